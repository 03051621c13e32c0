#!/usr/bin/env python3
"""Checks deploy/k8s/*.yaml against the Kubernetes Job schema (the fields they use) and
against the tested Slurm path: the same environment variables, the same batch command
(the completion index in place of the array task id) and the same merge script.

Run from anywhere: python3 deploy/k8s/check.py   (needs PyYAML; exit 1 on a mismatch)
"""

import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SLURM = HERE.parent / "slurm"
PROBLEMS = []

# The keys these manifests may use, level by level (a subset of batch/v1 Job; a typo or
# a field at the wrong level is an error, as the API server's strict decoding would say).
JOB_KEYS = {"apiVersion", "kind", "metadata", "spec"}
JOB_SPEC_KEYS = {"completionMode", "completions", "parallelism", "backoffLimit",
                 "backoffLimitPerIndex", "template", "ttlSecondsAfterFinished"}
POD_SPEC_KEYS = {"restartPolicy", "containers", "volumes", "nodeSelector", "tolerations"}
CONTAINER_KEYS = {"name", "image", "env", "command", "args", "resources", "volumeMounts",
                  "workingDir"}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")


def check(cond, what):
    if not cond:
        PROBLEMS.append(what)
    return cond


def keys(obj, allowed, where):
    check(isinstance(obj, dict), f"{where}: not a mapping")
    if isinstance(obj, dict):
        for k in sorted(set(obj) - allowed):
            PROBLEMS.append(f"{where}: unknown field `{k}`")


def job(path):
    """The Job in `path`, its one container and its environment, checked field by field."""
    docs = list(yaml.safe_load_all(path.read_text()))
    check(len(docs) == 1, f"{path.name}: one document expected, found {len(docs)}")
    j = docs[0]
    keys(j, JOB_KEYS, path.name)
    check(j.get("apiVersion") == "batch/v1", f"{path.name}: apiVersion must be batch/v1")
    check(j.get("kind") == "Job", f"{path.name}: kind must be Job")
    check(DNS_LABEL.match(str(j.get("metadata", {}).get("name", ""))),
          f"{path.name}: metadata.name must be a DNS label")
    spec = j.get("spec", {})
    keys(spec, JOB_SPEC_KEYS, f"{path.name}: spec")
    for k in ("completions", "parallelism", "backoffLimit"):
        if k in spec:
            check(isinstance(spec[k], int) and spec[k] >= 0, f"{path.name}: spec.{k} must be a count")
    pod = spec.get("template", {}).get("spec", {})
    keys(pod, POD_SPEC_KEYS, f"{path.name}: spec.template.spec")
    check(pod.get("restartPolicy") in ("OnFailure", "Never"),
          f"{path.name}: a Job's restartPolicy is OnFailure or Never")
    containers = pod.get("containers", [])
    check(len(containers) == 1, f"{path.name}: one container expected")
    c = containers[0] if containers else {}
    keys(c, CONTAINER_KEYS, f"{path.name}: container")
    check(DNS_LABEL.match(str(c.get("name", ""))), f"{path.name}: container name")
    check(isinstance(c.get("image"), str) and c["image"], f"{path.name}: container image")
    env = {}
    for e in c.get("env", []):
        keys(e, {"name", "value"}, f"{path.name}: env")
        check(isinstance(e.get("value"), str), f"{path.name}: env {e.get('name')}: value must be a string")
        env[e.get("name")] = e.get("value")
    requests = c.get("resources", {}).get("requests", {})
    for k, v in requests.items():
        check(QUANTITY.match(str(v)), f"{path.name}: resources.requests.{k} `{v}` is not a quantity")
    volumes = {v.get("name"): v.get("persistentVolumeClaim", {}).get("claimName")
               for v in pod.get("volumes", [])}
    mounts = {}
    for m in c.get("volumeMounts", []):
        check(m.get("name") in volumes, f"{path.name}: mount of undeclared volume {m.get('name')}")
        mounts[m.get("mountPath")] = volumes.get(m.get("name"))
    check(c.get("command") == ["/bin/sh", "-c"] and len(c.get("args", [])) == 1,
          f"{path.name}: command /bin/sh -c with one script argument expected")
    script = (c.get("args") or [""])[0]
    return j, spec, c, env, requests, mounts, script


def words(text):
    return " ".join(text.split())


def slurm_command(path):
    """The `exec ...` command of an sbatch script, continuation lines joined."""
    lines = path.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("exec "))
    return words(" ".join(l.rstrip("\\") for l in lines[start:]))


def required_vars(path):
    return set(re.findall(r'^: "\$\{(CORRIDOR_[A-Z_]+):\?', path.read_text(), re.M))


def main():
    sweep_j, sweep_spec, _, sweep_env, requests, sweep_mounts, sweep_script = job(HERE / "sweep-job.yaml")
    _, merge_spec, _, merge_env, _, merge_mounts, merge_script = job(HERE / "merge-job.yaml")

    # Same variables as the Slurm scripts (CORRIDOR_BIN is optional in both).
    check(set(sweep_env) == required_vars(SLURM / "sweep.sbatch"),
          f"sweep-job.yaml sets {sorted(sweep_env)}, sweep.sbatch requires "
          f"{sorted(required_vars(SLURM / 'sweep.sbatch'))}")
    check(set(merge_env) == required_vars(SLURM / "merge.sbatch"),
          f"merge-job.yaml sets {sorted(merge_env)}, merge.sbatch requires "
          f"{sorted(required_vars(SLURM / 'merge.sbatch'))}")
    for k in set(sweep_env) & set(merge_env):
        check(sweep_env[k] == merge_env[k], f"{k} differs between the sweep and merge Jobs")

    # An index per shard.
    check(sweep_spec.get("completionMode") == "Indexed", "sweep-job.yaml: completionMode must be Indexed")
    shards = sweep_env.get("CORRIDOR_SHARDS", "")
    check(shards.isdigit() and sweep_spec.get("completions") == int(shards),
          f"sweep-job.yaml: completions {sweep_spec.get('completions')} != CORRIDOR_SHARDS {shards}")
    check(sweep_spec.get("parallelism", 1) <= sweep_spec.get("completions", 1),
          "sweep-job.yaml: parallelism above completions")
    check(merge_spec.get("completions", 1) == 1, "merge-job.yaml: one completion")

    # The Slurm command, with the completion index for the task id and the CPU request
    # for the task's CPUs.
    expected = (slurm_command(SLURM / "sweep.sbatch")
                .replace("$SLURM_ARRAY_TASK_ID", "$JOB_COMPLETION_INDEX")
                .replace('"${SLURM_CPUS_PER_TASK:-1}"', str(requests.get("cpu"))))
    check(words(sweep_script) == expected,
          f"sweep-job.yaml runs\n  {words(sweep_script)}\nsweep.sbatch runs (mapped)\n  {expected}")
    merge_sbatch = (SLURM / "merge.sbatch").read_text()
    expected_merge = words(merge_sbatch[merge_sbatch.index("\nset --\n"):])
    check(words(merge_script) == expected_merge,
          f"merge-job.yaml runs\n  {words(merge_script)}\nmerge.sbatch runs\n  {expected_merge}")

    # Results on one shared claim, mounted where CORRIDOR_OUT points.
    for name, env, mounts in (("sweep-job.yaml", sweep_env, sweep_mounts),
                              ("merge-job.yaml", merge_env, merge_mounts)):
        out = env.get("CORRIDOR_OUT", "")
        check(any(out.startswith(m.rstrip("/") + "/") for m in mounts),
              f"{name}: CORRIDOR_OUT {out} is not on a mounted volume")
    check(set(sweep_mounts.values()) == set(merge_mounts.values()),
          "the sweep and merge Jobs mount different claims")

    if PROBLEMS:
        for p in PROBLEMS:
            print(f"deploy/k8s: {p}", file=sys.stderr)
        return 1
    print(f"deploy/k8s: {sweep_j['metadata']['name']} ({shards} shards) and the merge Job "
          "agree with deploy/slurm", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
