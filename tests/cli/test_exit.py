"""How the `hftui` command ends (hftui.exiting): without the interpreter's teardown, yet nothing of
the ordinary exit that matters is lost: output, exit functions, the code, threads it must wait for."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import hftui


BUFFERED = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}  # as a user runs it


def python(code: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env=BUFFERED)


def test_buffered_output_and_exit_functions_survive_and_the_code_is_kept(tmp_path):
    marker = tmp_path / "atexit-ran"
    done = python(
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('yes'))\n"
        "sys.stdout.write('to stdout')  # no newline: both still in their buffers when the exit comes\n"
        "sys.stderr.write('to stderr')\n"
        "from hftui.exiting import exit_without_teardown\n"
        "exit_without_teardown(3)\n"
        "print('never')\n", tmp_path)
    assert done.returncode == 3
    assert done.stdout == "to stdout" and done.stderr == "to stderr"
    assert marker.read_text() == "yes"


def test_a_thread_the_ordinary_exit_waits_for_is_waited_for(tmp_path):
    result = tmp_path / "thread-finished"
    done = python(
        "import threading, time\n"
        f"def work():\n    time.sleep(0.3)\n    open({str(result)!r}, 'w').write('done')\n"
        "threading.Thread(target=work).start()  # not a daemon: the ordinary exit joins it\n"
        "from hftui.exiting import exit_without_teardown\n"
        "exit_without_teardown(4)\n", tmp_path)
    assert done.returncode == 4 and done.stderr == ""
    assert result.read_text() == "done"


def test_a_closed_pipe_is_reported_as_the_ordinary_exit_reports_it(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the output still in the buffer cannot be flushed
    try:
        done = subprocess.run([sys.executable, "-c", "import sys; sys.stdout.write('unread')\n"
                               "from hftui.exiting import exit_without_teardown\nexit_without_teardown(0)\n"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60, cwd=tmp_path,
                              env=BUFFERED)
    finally:
        os.close(write_end)
    assert done.returncode == 120, done.stderr  # what CPython exits with when its final flush fails
    assert "BrokenPipeError" in done.stderr


def test_the_command_exits_with_its_code_and_its_whole_output():
    version = hftui("--version")
    assert (version.returncode, version.stdout) == (0, "hftui 0.1.0\n")
    usage = hftui("diagnose", "--no-such-flag")
    assert usage.returncode == 2 and "unrecognized arguments: --no-such-flag" in usage.stderr


def test_main_returns_its_code_to_an_in_process_caller(capsys):
    from hftui.cli import main

    assert main(["sim", "--list"]) == 0  # tests and coverage call main(): only the command skips the teardown
    assert "case-d" in capsys.readouterr().out
