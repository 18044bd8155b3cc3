"""A local stand-in for the Hugging Face Hub and the Inference Providers router.

One loopback HTTP server (stdlib only) answers both services' endpoints the way a named scenario
says, so every verdict hftui can reach is reproducible offline: in tests, demos and screenshots.

    with SimServer(get_scenario("case-b")) as sim:   # sim.url serves as --hub-url and --router-url
        ...
"""

from hftui.sim.catalog import DEFAULT_CATALOG, FULL_CATALOG, CatalogEntry, ProviderOffer
from hftui.sim.scenarios import SCENARIOS, get_scenario
from hftui.sim.schema import ANY, ChatRule, Fault, Scenario, SimOrg, sim_token
from hftui.sim.server import SimServer, banner, serve
from hftui.sim.service import RecordedRequest

__all__ = [
    "ANY", "DEFAULT_CATALOG", "FULL_CATALOG", "SCENARIOS", "CatalogEntry", "ChatRule", "Fault", "ProviderOffer",
    "RecordedRequest", "Scenario", "SimOrg", "SimServer", "banner", "get_scenario", "serve", "sim_token",
]
