"""The ``innoscore`` command.

One module per room of the package: ``data`` (validate, synth, summary, contract, indicators),
``scoring`` (points, points explain, points references, train, promote), ``matching`` (match, match
explain), ``monthly`` (run, demo), ``weights`` (weights diff, weights stability) and ``port`` (serve,
keys, audit, outcomes export); each holds its commands and adds their parsers.  Shared argument types
and checks are in ``common``.

Exit status: 0 success, 2 bad input (invalid data, arguments or configuration),
1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import os
import sys

from innoscore.cli import data, matching, monthly, port, scoring, weights
from innoscore.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK
from innoscore.data.validation_report import DataError
from innoscore.errors import InnoscoreError

__all__ = ["main", "build_parser"]

ROOMS = (data, scoring, matching, monthly, weights, port)  # the order of `innoscore --help`
# commands written as two words: `points explain` is parsed as `points-explain`
TWO_WORDS = (["points", "explain"], ["points", "references"], ["match", "explain"], ["weights", "diff"],
             ["weights", "stability"], ["keys", "add"], ["keys", "list"], ["keys", "revoke"], ["outcomes", "export"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="innoscore",
        description="Enterprise innovation points, credit scoring and bank matching. "
                    "Exit status: 0 ok, 2 bad input, 1 unexpected failure.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for room in ROOMS:
        room.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] in TWO_WORDS:
        argv = [f"{argv[0]}-{argv[1]}", *argv[2:]]
    if argv[:1] == ["weights"]:  # `weights` alone is no command: say which there are
        print("usage: innoscore weights diff OLD.yaml NEW.yaml (--run RUNS/YYYY-MM | --data DIR) [...]\n"
              "       innoscore weights stability [WEIGHTS.yaml] (--run RUNS/YYYY-MM | --data DIR) [...]\n"
              "`innoscore weights diff --help` and `innoscore weights stability --help` describe them.",
              file=sys.stdout if argv[1:2] in (["--help"], ["-h"]) else sys.stderr)
        return EXIT_OK if argv[1:2] in (["--help"], ["-h"]) else EXIT_BAD_INPUT
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DataError as exc:
        print(exc.report.to_text(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except InnoscoreError as exc:  # bad input or configuration: the message says what and where
        print(f"innoscore {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader went away (`| head`): no traceback, but no claim of success either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_FAILURE
