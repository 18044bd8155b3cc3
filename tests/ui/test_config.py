"""config.toml without the app: where it lives, what is read, how the theme is written back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hftui.ui.config import config_path, read_config, save_theme


def test_the_path_follows_xdg_config_home(tmp_path):
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "hftui" / "config.toml"
    home = Path.home() / ".config" / "hftui" / "config.toml"
    assert config_path({}) == home
    assert config_path({"XDG_CONFIG_HOME": "relative/dir"}) == home, "a relative value is ignored, as the spec says"


def test_no_file_is_the_defaults_without_a_word(tmp_path):
    config = read_config(tmp_path / "config.toml")
    assert (config.theme, config.keymap, config.problems) == (None, {}, ())


def test_what_is_usable_is_kept_and_the_rest_said(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\ncolour = 1\n[keymap]\n"step.retry" = "x"\n"step.nope" = "y"\n')
    config = read_config(path, themes={"nord"})
    assert config.theme == "nord" and config.keymap == {"step.retry": "x"}
    assert "unknown action id 'step.nope'" in config.summary and "unknown setting colour" in config.summary
    assert "\n" not in config.summary


def test_saving_the_theme_keeps_the_rest_of_the_file(tmp_path):
    path = tmp_path / "hftui" / "config.toml"
    assert save_theme(path, "nord") is None, "no file yet: made"
    assert read_config(path).theme == "nord"
    path.write_text('# my settings\ntheme = "nord"  # dark\n\n[keymap]\n"step.retry" = "x"  # mine\n')
    path.chmod(0o600)
    assert save_theme(path, "gruvbox") is None
    text = path.read_text()
    assert text == '# my settings\ntheme = "gruvbox"\n\n[keymap]\n"step.retry" = "x"  # mine\n'
    assert path.stat().st_mode & 0o777 == 0o600, "the file keeps its mode"
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"], "no temporary file left behind"


def test_a_theme_goes_above_the_first_table(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"step.retry" = "x"\n')
    assert save_theme(path, "nord") is None
    config = read_config(path)
    assert config.theme == "nord" and config.keymap == {"step.retry": "x"}


def test_a_file_that_does_not_parse_is_never_overwritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "nord\n')
    problem = save_theme(path, "gruvbox")
    assert problem is not None and "does not parse" in problem
    assert path.read_text() == 'theme = "nord\n'


def test_reading_the_config_loads_no_textual(tmp_path):
    code = ("import sys; from hftui.ui.config import read_config, config_path; read_config(config_path());"
            "print('textual' in sys.modules)")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    (tmp_path / "hftui").mkdir()
    (tmp_path / "hftui" / "config.toml").write_text('[keymap]\n"step.retry" = "x"\n')
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
