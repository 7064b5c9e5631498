#!/usr/bin/env python3
"""Runs a composite action's steps locally the way the Actions runner does, for tests.

Usage: emulate_action.py ACTION_DIR RESULT_JSON [--input NAME=VALUE]... [--prebuilt BIN]

The caller provides the Actions environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH,
GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE, ...). `run:` steps run in bash with their `env:` and a fresh
GITHUB_OUTPUT file each, as on a runner; `${{ }}` expressions over inputs, steps, github, runner
and env are evaluated, and `if:` decides whether a step runs. `uses:` steps are not run (they need
GitHub): they are recorded with their evaluated `with:` values, except that actions/cache, given
--prebuilt, restores BIN into its `path` as a cache hit of an earlier run would.
The result (step outcomes, recorded `uses:` steps, the action's outputs) goes to RESULT_JSON; the
exit code is 1 when a step failed, as the job step would fail.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml


def main():
    action_dir, result_path = sys.argv[1], sys.argv[2]
    given, prebuilt = {}, None
    args = sys.argv[3:]
    while args:
        flag, value, args = args[0], args[1], args[2:]
        if flag == "--input":
            name, _, v = value.partition("=")
            given[name] = v
        elif flag == "--prebuilt":
            prebuilt = value
        else:
            sys.exit(f"unknown flag {flag}")

    with open(os.path.join(action_dir, "action.yml"), encoding="utf-8") as f:
        action = yaml.safe_load(f)
    assert action["runs"]["using"] == "composite", "only composite actions are emulated"
    inputs = {k: str(v.get("default", "")) for k, v in action.get("inputs", {}).items()}
    for k, v in given.items():
        if k not in inputs:
            sys.exit(f"the action has no input `{k}`")
        inputs[k] = v

    with open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8") as f:
        event = json.load(f)
    github = {
        "event_name": os.environ.get("GITHUB_EVENT_NAME", ""),
        "event": event,
        "workspace": os.environ.get("GITHUB_WORKSPACE", os.getcwd()),
        "action_path": action_dir,
    }
    runner = {
        "os": os.environ.get("RUNNER_OS", "Linux"),
        "temp": os.environ.get("RUNNER_TEMP", tempfile.gettempdir()),
        "tool_cache": os.environ.get("RUNNER_TOOL_CACHE", tempfile.gettempdir()),
    }
    steps, record, failed = {}, [], False
    path_additions = []

    def lookup(name):
        parts = name.split(".")
        roots = {"inputs": inputs, "steps": steps, "github": github, "runner": runner,
                 "env": dict(os.environ)}
        value = roots[parts[0]]
        for p in parts[1:]:
            value = value.get(p, "") if isinstance(value, dict) else ""
        return value

    def evaluate(expr):
        # Enough of the expression language for action.yml files: names, 'strings', ==, !=,
        # &&, ||, !, and the status functions.
        tokens = re.findall(r"'(?:[^']|'')*'|[A-Za-z_][\w.-]*\(\)|[A-Za-z_][\w.-]*|==|!=|&&|\|\||!|\(|\)", expr)
        py = []
        for t in tokens:
            if t.startswith("'"):
                py.append(repr(t[1:-1].replace("''", "'")))
            elif t in ("always()",):
                py.append("True")
            elif t == "success()":
                py.append(repr(not failed))
            elif t == "failure()":
                py.append(repr(failed))
            elif t in ("true", "false"):
                py.append(t.capitalize())
            elif t == "&&":
                py.append(" and ")
            elif t == "||":
                py.append(" or ")
            elif t == "!":
                py.append(" not ")
            elif t in ("==", "!=", "(", ")"):
                py.append(t)
            else:
                py.append(repr(lookup(t)))
        return eval("".join(py), {"__builtins__": {}})  # noqa: S307 (test input only)

    def interpolate(text):
        text = str(text)
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(evaluate(m.group(1))), text)

    for step in action["runs"]["steps"]:
        sid = step.get("id", f"step{len(record)}")
        condition = str(step.get("if", "success()"))
        condition = re.sub(r"^\$\{\{(.*)\}\}$", r"\1", condition.strip())
        if not evaluate(condition):
            record.append({"id": sid, "outcome": "skipped"})
            continue
        if "uses" in step:
            with_values = {k: interpolate(v) for k, v in step.get("with", {}).items()}
            outputs = {}
            if step["uses"].startswith("actions/cache@") and prebuilt:
                target = os.path.join(with_values["path"], "bin")
                os.makedirs(target, exist_ok=True)
                shutil.copy2(prebuilt, os.path.join(target, "keyhound"))
                outputs["cache-hit"] = "true"
            steps[sid] = {"outputs": outputs, "outcome": "success"}
            record.append({"id": sid, "uses": step["uses"], "with": with_values,
                           "outcome": "success"})
            continue
        env = dict(os.environ)
        env.update({k: interpolate(v) for k, v in step.get("env", {}).items()})
        if path_additions:
            env["PATH"] = os.pathsep.join(reversed(path_additions)) + os.pathsep + env["PATH"]
        with tempfile.TemporaryDirectory() as tmp:
            out_file = os.path.join(tmp, "output")
            path_file = os.path.join(tmp, "path")
            script = os.path.join(tmp, "step.sh")
            open(out_file, "w").close()
            open(path_file, "w").close()
            with open(script, "w", encoding="utf-8") as f:
                f.write(interpolate(step["run"]))
            env.update({"GITHUB_OUTPUT": out_file, "GITHUB_PATH": path_file,
                        "GITHUB_ACTION_PATH": action_dir})
            assert step.get("shell") == "bash", "composite run steps must name their shell"
            sys.stdout.flush()
            code = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                                   env=env, cwd=github["workspace"])
            outputs = {}
            with open(out_file, encoding="utf-8") as f:
                for line in f.read().splitlines():
                    if "=" in line:
                        k, _, v = line.partition("=")
                        outputs[k] = v
            with open(path_file, encoding="utf-8") as f:
                path_additions.extend(p for p in f.read().splitlines() if p)
        outcome = "success" if code == 0 else "failure"
        failed = failed or code != 0
        steps[sid] = {"outputs": outputs, "outcome": outcome}
        record.append({"id": sid, "outcome": outcome, "exit_code": code})

    result = {
        "steps": record,
        "outputs": {k: interpolate(v["value"]) for k, v in action.get("outputs", {}).items()},
        "failed": failed,
    }
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
