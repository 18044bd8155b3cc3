"""hftui.core.installed answers as importlib.metadata does, for everything installed here and for the
odd layouts (an egg-info file, a folder name without a version, a later duplicate on the path)."""

from __future__ import annotations

from importlib import metadata

from hftui.core.installed import declaring, normalised, version


def test_every_installed_distribution_has_the_version_importlib_metadata_gives():
    names = {dist.metadata["Name"] for dist in metadata.distributions() if dist.metadata["Name"]}
    assert len(names) > 20  # the test environment: textual, httpx, pytest…
    mismatched = {name: (version(name), metadata.version(name)) for name in names
                  if version(name) != metadata.version(name)}
    assert not mismatched


def test_spellings_of_a_name_find_the_same_distribution():
    assert version("huggingface-hub") == version("HuggingFace_Hub") == metadata.version("huggingface_hub")
    assert version("no-such-package-hftui") is None
    assert normalised("Foo.Bar--baz") == "foo_bar_baz"


def test_layouts_importlib_metadata_also_reads(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "alpha.egg-info").mkdir(parents=True)  # a development install: no version in the name
    (first / "alpha.egg-info" / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: alpha\nVersion: 3.1.4\n\nBody: x\n")
    (first / "beta-2.0-py3.11.egg-info").write_text("Metadata-Version: 1.1\nName: beta\nVersion: 2.0\n")
    (first / "gamma-1.0.dist-info").mkdir()  # no METADATA: no version, whatever the folder name says
    second.mkdir()
    (second / "alpha-9.9.dist-info").mkdir()  # later on the path: shadowed, as for the import system
    (second / "alpha-9.9.dist-info" / "METADATA").write_text("Name: alpha\nVersion: 9.9\n")
    paths = [str(first), str(second), str(tmp_path / "missing")]
    assert [version(name, paths) for name in ("alpha", "beta", "gamma")] == ["3.1.4", "2.0", None]
    # (gamma's missing METADATA is None in the standard library, an error where importlib_metadata's finder
    # is installed: not compared)
    assert [next(metadata.distributions(name=name, path=paths)).version for name in ("alpha", "beta")] == ["3.1.4", "2.0"]


def test_entry_point_groups_name_the_packages_that_declare_them(tmp_path):
    plugin = tmp_path / "keyrings.fake-1.0.dist-info"
    plugin.mkdir()
    (plugin / "entry_points.txt").write_text("[console_scripts]\nx = y\n\n[keyring.backends]\nfake = z\n")
    assert declaring("keyring.backends", [str(tmp_path)]) == ["keyrings_fake"]
    assert "keyring" in declaring("keyring.backends")  # keyring declares its own backends so
    assert declaring("no.such.group", [str(tmp_path)]) == []
