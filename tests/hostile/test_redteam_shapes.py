"""Red team: answers of the wrong shape. Whatever JSON a server sends for whoami, the catalog or the mapping
(lists where objects belong, numbers where lists belong, a provider that is a list, an integer of 400
digits for a price), the parse says "unknown" and the run ends with a verdict, never a traceback."""

from __future__ import annotations

from hhelpers import PLANTED, every_artifact
from hostile_server import REPO, USER, json_answer, respond
from hypothesis import given, settings
from hypothesis import strategies as st

from hftui.core.hub import merge_providers, parse_catalog, parse_mapping, parse_whoami

HUGE = 10 ** 400  # valid JSON; float() of it overflows
leaf = st.none() | st.booleans() | st.integers() | st.just(HUGE) | st.floats() | st.text(max_size=8)
json_value = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
role = st.sampled_from(["fineGrained", "read", "write"]) | json_value


@st.composite
def whoami_bodies(draw):
    scoped = draw(st.lists(st.fixed_dictionaries({"permissions": json_value, "entity": json_value}), max_size=2)
                  | json_value)
    fine_grained = draw(st.fixed_dictionaries({"global": json_value, "scoped": st.just(scoped)}) | json_value)
    access = {"role": draw(role), "displayName": draw(json_value), "fineGrained": fine_grained}
    orgs = draw(st.lists(st.fixed_dictionaries({"name": st.text(max_size=4) | json_value, "canPay": json_value,
                                                "roleInOrg": json_value}), max_size=2) | json_value)
    return {"name": draw(st.text(max_size=4) | json_value), "type": draw(json_value), "orgs": orgs,
            "auth": draw(st.fixed_dictionaries({"accessToken": st.just(access), "type": json_value}) | json_value),
            "isPro": draw(json_value), "canPay": draw(json_value)}


provider_entry = st.fixed_dictionaries({"provider": st.text(max_size=4) | json_value, "status": json_value,
                                        "pricing": st.fixed_dictionaries({"input": json_value}) | json_value,
                                        "context_length": json_value, "task": json_value, "providerId": json_value})


@settings(max_examples=300, deadline=None)
@given(whoami_bodies())
def test_any_whoami_shape_parses_to_an_account_or_unknown(body):
    account = parse_whoami(body)
    if account is not None:
        assert account.plan_line and account.token_kind
        for org in account.org_details:
            assert org.facts and account.may_bill(org.name) in (True, False, None) and org.could_pay in (True, False, None)


@settings(max_examples=300, deadline=None)
@given(st.lists(provider_entry, max_size=3) | json_value, st.lists(provider_entry, max_size=3) | json_value)
def test_any_catalog_or_mapping_shape_parses_to_providers_or_unknown(providers, mapping):
    catalog = parse_catalog({"data": [{"id": REPO, "providers": providers}]}, REPO)
    hub = parse_mapping({"id": REPO, "inferenceProviderMapping": mapping})
    for option in merge_providers(catalog, hub):
        assert isinstance(option.provider, str) and (option.provider_id is None or isinstance(option.provider_id, str))


def test_wrong_shapes_from_a_server_end_in_a_verdict_without_a_traceback(hostile, tmp_path):
    fine_grained = {"role": "fineGrained", "fineGrained": {"global": 5, "scoped": [{"permissions": 7}]}}
    server = hostile({
        "whoami": lambda r: json_answer({**USER, "orgs": 5, "auth": {"accessToken": fine_grained}}),
        "catalog": lambda r: respond(200, "OK", [("content-type", "application/json")], (
            '{"data": [{"id": "%s", "providers": [{"provider": "together", "status": "live", '
            '"pricing": {"input": %s}}]}]}' % (REPO, "9" * 400)).encode()),
        "mapping": lambda r: json_answer({"id": REPO, "inferenceProviderMapping": [
            {"provider": ["together"], "status": "live"}, {"provider": {"a": 1}}, {"provider": "together"}]}),
    })
    artifacts = every_artifact(server.url, PLANTED, tmp_path, curl=("whoami", "pinned", "bill-to"))
    artifacts.assert_calm()
    artifacts.assert_no_leak(PLANTED)
    assert artifacts.codes["plain"] in (0, 1) and artifacts.document["verdict"]
