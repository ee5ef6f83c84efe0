#!/usr/bin/env python3
"""Checks of deploy/: the container build and the Kubernetes manifests.

Renders deploy/k8s/base and each overlay with `kubectl kustomize` and checks
them against the built binaries (their --helpfull flags and default ports),
the contracts (the health service names), the design's network flows, and
each other (an overlay may differ from the base only where intended). Also
checks that deploy/Dockerfile's runtime stage installs exactly the Debian
packages owning the shared libraries the binaries load.

One check group per ctest test (tests/deploy/CMakeLists.txt):
    check_deploy.py --check=pods --source_dir=... --binary=kam-registry=PATH ...

Nothing is skipped: a missing kubectl, PyYAML, ldd or dpkg is a failure that
says what to install.
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - the message is the point
    sys.exit("FAIL: Python's yaml module is missing: install Debian's "
             "python3-yaml (tools/install-deps.sh does) and run the test with "
             "/usr/bin/python3")

# ---------------------------------------------------------------------------
# What the design says (README.md, DESIGN.md section 4, issue 6).

OVERLAYS = ("base", "overlays/dev", "overlays/production")

# Each deployed component: its workload kind, the binary it runs, and the
# readiness health name (the service's full gRPC name). Ports are not listed
# here: they come from the binaries' own defaults (their --help usage line).
COMPONENTS = {
    "kam-registry": {"kind": "StatefulSet", "binary": "kam-registry",
                     "health": "kam.registry.v1.Registry"},
    "kam-engagement": {"kind": "StatefulSet", "binary": "kam-engagement",
                       "health": "kam.engagement.v1.Engagement"},
    "kam-scoring": {"kind": "StatefulSet", "binary": "kam-scoring",
                    "health": "kam.scoring.v1.Scoring"},
    "kam-scoring-follower": {"kind": "Deployment", "binary": "kam-scoring",
                             "health": "kam.scoring.v1.Scoring"},
    "kam-planning": {"kind": "StatefulSet", "binary": "kam-planning",
                     "health": "kam.planning.v1.Planning"},
}
SERVER_BINARIES = ("kam-registry", "kam-engagement", "kam-scoring",
                   "kam-planning")
IMAGE_BINARIES = SERVER_BINARIES + ("kamctl",)

# Peer-address flags: which component each must reach, and the flag carrying
# the token it sends there. The token flag reads the Secret key of the same
# name unless TOKEN_KEYS names another for that component.
PEER_FLAGS = {
    "registry_addr": ("kam-registry", "registry_token"),
    "engagement_addr": ("kam-engagement", "engagement_token"),
    "scoring_addr": ("kam-scoring", "scoring_token"),
    "follow_primary": ("kam-scoring", "follow_token"),
}
# The peers each component follows (and so must be configured with).
REQUIRED_PEERS = {
    "kam-registry": set(),
    "kam-engagement": {"registry_addr", "scoring_addr"},
    "kam-scoring": {"registry_addr", "engagement_addr"},
    "kam-scoring-follower": {"follow_primary"},
    "kam-planning": {"registry_addr", "scoring_addr", "engagement_addr"},
}
# Token flags whose Secret key differs by component: planning asks scoring
# for scores and ABC classes (viewer), engagement only follows its tier feed
# (tier-reader), so the two send different tokens on --scoring_token.
TOKEN_KEYS = {
    ("kam-planning", "scoring_token"): "planning_scoring_token",
}
# Every server needs these; KAM_INSECURE and KAM_FIXED_TIME are forbidden.
REQUIRED_FLAGS = ("listen", "metrics_listen", "data_dir", "auth_tokens_file",
                  "drain_timeout")
FORBIDDEN_FLAGS = ("insecure", "fixed_time", "port_file")
DEFAULT_DRAIN_SECONDS = 20.0
GRACE_MARGIN_SECONDS = 5.0

# Secret keys and the role each peer token needs (the tokens file grants it).
ROLES = ("tier-reader", "viewer", "editor", "admin")
PEER_TOKEN_ROLE = {"registry_token": "viewer", "engagement_token": "viewer",
                   "scoring_token": "tier-reader",
                   "follow_token": "tier-reader",
                   "planning_scoring_token": "viewer"}
SECRET_NAME = "kam-auth"
SECRET_KEYS = {"auth_tokens"} | set(PEER_TOKEN_ROLE)

# Network flows, exactly (see deploy/k8s/base/networkpolicies.yaml). Ports are
# symbolic: "grpc"/"metrics" of the destination component.
EXPECTED_FLOWS = {
    ("clients", "kam-registry", "grpc"),
    ("clients", "kam-engagement", "grpc"),
    ("clients", "kam-scoring", "grpc"),
    ("clients", "kam-scoring-follower", "grpc"),
    ("clients", "kam-planning", "grpc"),
    ("kam-engagement", "kam-registry", "grpc"),
    ("kam-scoring", "kam-registry", "grpc"),
    ("kam-scoring", "kam-engagement", "grpc"),
    ("kam-engagement", "kam-scoring", "grpc"),
    ("kam-scoring-follower", "kam-scoring", "grpc"),
    ("kam-planning", "kam-registry", "grpc"),
    ("kam-planning", "kam-scoring", "grpc"),
    ("kam-planning", "kam-engagement", "grpc"),
    ("prometheus", "kam-registry", "metrics"),
    ("prometheus", "kam-engagement", "metrics"),
    ("prometheus", "kam-scoring", "metrics"),
    ("prometheus", "kam-scoring-follower", "metrics"),
    ("prometheus", "kam-planning", "metrics"),
} | {(c, "dns", p) for c in COMPONENTS for p in ("53/UDP", "53/TCP")}
CLIENT_LABEL = ("kam-client", "true")
MONITORING_NAMESPACE = "monitoring"

# What each overlay may add, and the fields in which it may differ from the
# base (paths as printed by diff(); [..] is a list entry by name or index).
ADDED_KINDS = {
    "overlays/dev": {"Secret"},
    "overlays/production": {"PodDisruptionBudget", "HorizontalPodAutoscaler"},
}
ALLOWED_DIFFS = [
    r"metadata\.namespace",
    r"metadata\.labels(\..+)?",
    r"metadata\.annotations(\..+)?",
    r"spec\.replicas",  # StatefulSets are held at 1 by the pods check
    r"spec\.template\.spec\.containers\[[^]]+\]\.resources(\..+)?",
    r"spec\.template\.spec\.containers\[[^]]+\]\.image",
    r"spec\.template\.spec\.affinity(\..+)?",
    r"spec\.template\.spec\.topologySpreadConstraints(\..+)?",
    r"spec\.volumeClaimTemplates\[[^]]+\]\.spec\.resources(\..+)?",
]
# Allowed only when the base names kam-auth and the overlay names the Secret
# it generates (kam-auth-<hash>).
SECRET_REF_DIFFS = [
    r"spec\.template\.spec\.volumes\[[^]]+\]\.secret\.secretName",
    r"spec\.template\.spec\.containers\[[^]]+\]\.env\[[^]]+\]\.valueFrom"
    r"\.secretKeyRef\.name",
]

# ---------------------------------------------------------------------------
# Plumbing.


class Checker:
    def __init__(self):
        self.failures = []

    def fail(self, message):
        self.failures.append(message)

    def expect(self, condition, message):
        if not condition:
            self.fail(message)
        return condition


def fatal(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def find_kubectl():
    kubectl = os.environ.get("KAM_KUBECTL") or shutil.which("kubectl")
    if not kubectl:
        fatal("kubectl is not installed, so the manifests cannot be rendered "
              "with `kubectl kustomize`. Install Debian's kubernetes-client "
              "(tools/install-deps.sh does: `sudo apt-get install "
              "kubernetes-client`), or point KAM_KUBECTL at a kubectl.")
    return kubectl


def render(kubectl, k8s_dir, overlay):
    path = os.path.join(k8s_dir, overlay)
    result = subprocess.run([kubectl, "kustomize", path], capture_output=True,
                            text=True, timeout=60)
    if result.returncode != 0:
        fatal(f"`kubectl kustomize {path}` failed:\n{result.stderr}")
    objects = {}
    for doc in yaml.safe_load_all(result.stdout):
        if not doc:
            continue
        key = (doc["kind"], doc["metadata"]["name"])
        if key in objects:
            fatal(f"{overlay}: {key[0]}/{key[1]} rendered twice")
        objects[key] = doc
    if not objects:
        fatal(f"{overlay}: rendered nothing")
    return objects


def parse_flags(binary_name, path):
    """The binary's flag names and default ports, from --helpfull."""
    if not os.access(path, os.X_OK):
        fatal(f"{binary_name}: {path} is not an executable (build it first)")
    result = subprocess.run([path, "--helpfull"], capture_output=True,
                            text=True, timeout=20)
    text = result.stdout + result.stderr
    flags = set(re.findall(r"^\s+--([a-z0-9_]+) \(", text, re.MULTILINE))
    if not flags:
        fatal(f"{binary_name} --helpfull listed no flags:\n{text[:2000]}")
    defaults = {}
    for flag in ("listen", "metrics_listen"):
        m = re.search(r"\[--%s=[^\]]*:(\d+)\]" % flag, text)
        if m:
            defaults[flag] = int(m.group(1))
    return flags, defaults


def parse_duration(text):
    """absl/Go duration ("20s", "1m30s", "200ms") in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(n) * units[u] for n, u in parts)


def parse_quantity(text):
    text = str(text)
    suffixes = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
                "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "m": 1e-3}
    for suffix, factor in suffixes.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def labels_match(selector, labels):
    """A LabelSelector (matchLabels / matchExpressions) against labels."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def workloads(objects):
    return {name: obj for (kind, name), obj in objects.items()
            if kind in ("StatefulSet", "Deployment", "DaemonSet", "Job",
                        "CronJob", "ReplicaSet", "Pod")}


def pod_spec(obj):
    if obj["kind"] == "Pod":
        return obj["spec"]
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def pod_labels(obj):
    if obj["kind"] == "Pod":
        return obj["metadata"].get("labels", {})
    return obj["spec"]["template"]["metadata"].get("labels", {})


def all_containers(obj):
    spec = pod_spec(obj)
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def container_env(objects, container, where, check):
    """name -> ("value", v) | ("secret", (name, key)) | ("other", raw)."""
    env = {}
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            name = source["configMapRef"]["name"]
            cm = objects.get(("ConfigMap", name))
            if not check.expect(cm is not None,
                                f"{where}: envFrom ConfigMap {name} is not "
                                "rendered"):
                continue
            prefix = source.get("prefix", "")
            for key, value in (cm.get("data") or {}).items():
                env[prefix + key] = ("value", str(value))
        else:
            check.fail(f"{where}: envFrom {list(source)} (only ConfigMaps: "
                       "Secret keys go in env one by one)")
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = ("value", str(item["value"]))
        elif "secretKeyRef" in (item.get("valueFrom") or {}):
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = ("secret", (ref["name"], ref["key"]))
        else:
            env[item["name"]] = ("other", item.get("valueFrom"))
    return env


def container_ports(container):
    return {p.get("name"): p["containerPort"]
            for p in container.get("ports") or []}


def secret_alias(objects, name):
    """kam-auth-<hash> generated by an overlay reads as kam-auth."""
    if re.fullmatch(re.escape(SECRET_NAME) + r"-[a-z0-9]{10}", name) and \
            ("Secret", name) in objects:
        return SECRET_NAME
    return name


def path_flags(env):
    return {k[len("KAM_"):].lower(): v for k, v in env.items()
            if k.startswith("KAM_")}


def read_proto_services(source_dir):
    services = set()
    proto_root = os.path.join(source_dir, "proto")
    for root, _, files in os.walk(proto_root):
        for name in files:
            if not name.endswith(".proto"):
                continue
            text = open(os.path.join(root, name), encoding="utf-8").read()
            m = re.search(r"^package\s+([\w.]+)\s*;", text, re.MULTILINE)
            if not m:
                continue
            for service in re.findall(r"^service\s+(\w+)", text, re.MULTILINE):
                services.add(f"{m.group(1)}.{service}")
    return services


# ---------------------------------------------------------------------------
# The checks. Each takes the context and a Checker.


class Context:
    def __init__(self, args):
        self.source_dir = os.path.abspath(args.source_dir)
        self.deploy_dir = os.path.join(self.source_dir, "deploy")
        self.k8s_dir = os.path.join(self.deploy_dir, "k8s")
        self.binaries = dict(b.split("=", 1) for b in args.binary)
        missing = [b for b in IMAGE_BINARIES if b not in self.binaries]
        if missing:
            fatal(f"--binary missing for {missing}")
        self._rendered = None
        self._flags = {}

    @property
    def rendered(self):
        if self._rendered is None:
            kubectl = find_kubectl()
            self._rendered = {o: render(kubectl, self.k8s_dir, o)
                              for o in OVERLAYS}
        return self._rendered

    def flags(self, binary):
        if binary not in self._flags:
            self._flags[binary] = parse_flags(binary, self.binaries[binary])
        return self._flags[binary]

    def ports(self, component):
        """The component's gRPC and metrics ports: its binary's defaults."""
        _, defaults = self.flags(COMPONENTS[component]["binary"])
        if "listen" not in defaults or "metrics_listen" not in defaults:
            fatal(f"{COMPONENTS[component]['binary']} --help shows no default "
                  "--listen/--metrics_listen port in its usage line")
        return {"grpc": defaults["listen"], "metrics": defaults["metrics_listen"]}


def check_render(ctx, check):
    """Each overlay renders and holds every component's pieces."""
    for overlay, objects in ctx.rendered.items():
        for component, spec in COMPONENTS.items():
            for key in ((spec["kind"], component), ("ConfigMap", component),
                        ("Service", component),
                        ("Service", component + "-headless"),
                        ("ServiceMonitor", component),
                        ("NetworkPolicy", component)):
                check.expect(key in objects,
                             f"{overlay}: {key[0]}/{key[1]} is missing")
        for key in (("NetworkPolicy", "kam-default-deny"),
                    ("NetworkPolicy", "kam-allow-dns"),
                    ("PrometheusRule", "kam"), ("ServiceAccount", "kam")):
            check.expect(key in objects,
                         f"{overlay}: {key[0]}/{key[1]} is missing")
        extra = [name for name in workloads(objects) if name not in COMPONENTS]
        check.expect(not extra, f"{overlay}: unexpected workloads {extra}")
    prod = ctx.rendered["overlays/production"]
    for component in COMPONENTS:
        check.expect(("PodDisruptionBudget", component) in prod,
                     f"production: no PodDisruptionBudget for {component}")
    check.expect(("HorizontalPodAutoscaler", "kam-scoring-follower") in prod,
                 "production: no HorizontalPodAutoscaler for "
                 "kam-scoring-follower")


def check_pods(ctx, check):
    """Probes, resources, securityContext, grace period, volumes."""
    health_names = read_proto_services(ctx.source_dir)
    for overlay, objects in ctx.rendered.items():
        for name, obj in workloads(objects).items():
            where = f"{overlay}: {obj['kind']}/{name}"
            spec = pod_spec(obj)
            component = COMPONENTS.get(name)
            if not check.expect(component is not None,
                                f"{where}: not a kam component"):
                continue
            check.expect(obj["kind"] == component["kind"],
                         f"{where}: should be a {component['kind']}")
            if obj["kind"] == "StatefulSet":
                check.expect(obj["spec"].get("replicas") == 1,
                             f"{where}: replicas must be 1 (one writer owns "
                             "one RocksDB; scale tier lookups with the "
                             "followers)")
                svc = objects.get(("Service", obj["spec"].get("serviceName")))
                check.expect(svc is not None and
                             svc["spec"].get("clusterIP") == "None",
                             f"{where}: serviceName must name a headless "
                             "Service")
            # Pod-level hardening.
            psc = spec.get("securityContext") or {}
            check.expect(psc.get("runAsNonRoot") is True,
                         f"{where}: pod securityContext.runAsNonRoot")
            check.expect(psc.get("fsGroup") == 10001,
                         f"{where}: pod securityContext.fsGroup 10001 (the "
                         "volume must be writable by uid 10001)")
            check.expect(spec.get("enableServiceLinks") is False,
                         f"{where}: enableServiceLinks must be false "
                         "(service links inject KAM_*_PORT variables into "
                         "the KAM_ flag namespace)")
            check.expect(spec.get("automountServiceAccountToken") is False,
                         f"{where}: automountServiceAccountToken must be "
                         "false (kam calls no Kubernetes API)")
            for field in ("hostNetwork", "hostPID", "hostIPC"):
                check.expect(not spec.get(field), f"{where}: {field}")
            volumes = {v["name"]: v for v in spec.get("volumes") or []}
            claim_names = {t["metadata"]["name"] for t in
                           obj["spec"].get("volumeClaimTemplates") or []}
            for c in all_containers(obj):
                check_container(ctx, check, objects, where, name, component,
                                spec, c, volumes, claim_names, health_names)


def check_container(ctx, check, objects, where, name, component, spec, c,
                    volumes, claim_names, health_names):
    where = f"{where} container {c['name']}"
    ports = container_ports(c)
    # Probes: native gRPC on the container's grpc port.
    grpc_port = ports.get("grpc")
    check.expect(grpc_port is not None, f"{where}: no port named grpc")
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        p = c.get(probe)
        if not check.expect(p is not None, f"{where}: no {probe}"):
            continue
        if not check.expect("grpc" in p, f"{where}: {probe} is not a native "
                            "gRPC probe (grpc: {port, service})"):
            continue
        check.expect(p["grpc"].get("port") == grpc_port,
                     f"{where}: {probe} port {p['grpc'].get('port')} is not "
                     f"the grpc port {grpc_port}")
        service = p["grpc"].get("service", "")
        if probe == "readinessProbe":
            check.expect(service == component["health"],
                         f"{where}: readinessProbe service {service!r} should "
                         f"be {component['health']!r}")
            check.expect(service in health_names,
                         f"{where}: readinessProbe service {service!r} is not "
                         "a service in proto/")
        else:
            check.expect(service == "", f"{where}: {probe} should check the "
                         f"overall health (service \"\"), not {service!r}")
    # Resources.
    res = c.get("resources") or {}
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            check.expect(r in (res.get(kind) or {}),
                         f"{where}: resources.{kind}.{r} missing")
    for r in ("cpu", "memory"):
        try:
            req = parse_quantity(res["requests"][r])
            lim = parse_quantity(res["limits"][r])
            check.expect(req <= lim, f"{where}: {r} request above its limit")
        except (KeyError, TypeError, ValueError):
            pass
    # Container securityContext.
    sc = c.get("securityContext") or {}
    expected = {"runAsNonRoot": True, "runAsUser": 10001,
                "readOnlyRootFilesystem": True,
                "allowPrivilegeEscalation": False}
    for field, value in expected.items():
        check.expect(sc.get(field) == value,
                     f"{where}: securityContext.{field} should be {value}, "
                     f"is {sc.get(field)!r}")
    check.expect(not sc.get("privileged"), f"{where}: privileged")
    caps = sc.get("capabilities") or {}
    check.expect("ALL" in (caps.get("drop") or []),
                 f"{where}: securityContext.capabilities.drop must be [ALL]")
    check.expect(not caps.get("add"), f"{where}: capabilities.add")
    check.expect((sc.get("seccompProfile") or {}).get("type") ==
                 "RuntimeDefault",
                 f"{where}: securityContext.seccompProfile RuntimeDefault")
    # Image and command: one image, the binary chosen by the command.
    command = c.get("command") or []
    binary = os.path.basename(command[0]) if command else None
    check.expect(binary == component["binary"],
                 f"{where}: command should run {component['binary']}, runs "
                 f"{command}")
    check.expect(command[:1] == [f"/usr/local/bin/{component['binary']}"],
                 f"{where}: command should be /usr/local/bin/"
                 f"{component['binary']} (where deploy/Dockerfile puts it)")
    # Grace period: preStop + drain + margin.
    env = container_env(objects, c, where, check)
    flags = path_flags(env)
    drain = DEFAULT_DRAIN_SECONDS
    if "drain_timeout" in flags and flags["drain_timeout"][0] == "value":
        try:
            drain = parse_duration(flags["drain_timeout"][1])
        except ValueError as e:
            check.fail(f"{where}: KAM_DRAIN_TIMEOUT: {e}")
    pre_stop = 0.0
    hook = ((c.get("lifecycle") or {}).get("preStop")) or {}
    if "exec" in hook:
        cmd = hook["exec"].get("command") or []
        if check.expect(len(cmd) == 2 and cmd[0] in ("/bin/sleep",
                                                     "/usr/bin/sleep"),
                        f"{where}: preStop should be [/bin/sleep, N] (the "
                        f"image has coreutils, nothing else), is {cmd}"):
            pre_stop = float(cmd[1])
    elif "sleep" in hook:
        pre_stop = float(hook["sleep"]["seconds"])
    else:
        check.fail(f"{where}: no preStop (endpoints need a moment to drop the "
                   "pod before the drain starts)")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    check.expect(grace >= pre_stop + drain + GRACE_MARGIN_SECONDS,
                 f"{where}: terminationGracePeriodSeconds {grace} < preStop "
                 f"{pre_stop:g}s + --drain_timeout {drain:g}s + "
                 f"{GRACE_MARGIN_SECONDS:g}s to flush RocksDB")
    # Volumes: every path the server writes or reads is on a mount.
    mounts = {m["mountPath"].rstrip("/"): m for m in c.get("volumeMounts") or []}

    def mount_of(path):
        best = None
        for mount_path, m in mounts.items():
            if path == mount_path or path.startswith(mount_path + "/"):
                if best is None or len(mount_path) > len(best[0]):
                    best = (mount_path, m)
        return best

    data = flags.get("data_dir")
    if data and data[0] == "value":
        found = mount_of(data[1])
        if check.expect(found is not None,
                        f"{where}: KAM_DATA_DIR {data[1]} is not on a volume "
                        "(the root filesystem is read-only)"):
            mount_path, m = found
            check.expect(not m.get("readOnly"),
                         f"{where}: the data volume is mounted read-only")
            check.expect(data[1] != mount_path,
                         f"{where}: KAM_DATA_DIR should be a directory inside "
                         f"the volume (backups go next to it), not "
                         f"{mount_path} itself")
            vol = volumes.get(m["name"])
            if component["kind"] == "StatefulSet":
                check.expect(m["name"] in claim_names,
                             f"{where}: RocksDB must live on the "
                             "volumeClaimTemplate, not a pod volume")
            else:
                check.expect(vol is not None and "emptyDir" in vol,
                             f"{where}: the follower's cache should be an "
                             "emptyDir")
    tokens = flags.get("auth_tokens_file")
    if tokens and tokens[0] == "value":
        found = mount_of(tokens[1])
        if check.expect(found is not None,
                        f"{where}: KAM_AUTH_TOKENS_FILE {tokens[1]} is not "
                        "on a volume"):
            mount_path, m = found
            vol = volumes.get(m["name"]) or {}
            secret = vol.get("secret")
            if check.expect(secret is not None,
                            f"{where}: the tokens file must come from a "
                            "Secret volume"):
                check.expect(m.get("readOnly") is True,
                             f"{where}: mount the tokens Secret readOnly")
                check.expect(secret_alias(objects, secret["secretName"]) ==
                             SECRET_NAME,
                             f"{where}: tokens from Secret "
                             f"{secret['secretName']}, expected {SECRET_NAME}")
                rel = tokens[1][len(mount_path) + 1:]
                items = {i["path"]: i["key"] for i in secret.get("items") or []}
                key = items.get(rel, rel if not items else None)
                check.expect(key == "auth_tokens",
                             f"{where}: {tokens[1]} should be the Secret's "
                             "auth_tokens key")
    tmp = mount_of("/tmp")
    check.expect(tmp is not None, f"{where}: /tmp should be an emptyDir "
                 "(read-only root filesystem)")


def check_flags(ctx, check):
    """KAM_* variables, ports, peer addresses and tokens agree with the binaries.

    Every KAM_* variable and argument is a flag of the binary (--helpfull);
    listen ports are the container ports and the binary's defaults; peer
    addresses reach the right component through its ClusterIP Service.
    """
    for overlay, objects in ctx.rendered.items():
        for name, obj in workloads(objects).items():
            component = COMPONENTS.get(name)
            if component is None:
                continue
            binary = component["binary"]
            known, _ = ctx.flags(binary)
            expected_ports = ctx.ports(name)
            for c in all_containers(obj):
                where = f"{overlay}: {obj['kind']}/{name} container {c['name']}"
                env = container_env(objects, c, where, check)
                for var, (how, value) in sorted(env.items()):
                    if not check.expect(var.startswith("KAM_"),
                                        f"{where}: env {var} is not a KAM_ "
                                        "flag variable"):
                        continue
                    flag = var[len("KAM_"):].lower()
                    if flag not in known:
                        if flag in ("follow_primary", "follow_token"):
                            check.fail(
                                f"{where}: {var}: `{binary} --helpfull` has no "
                                f"--{flag}. The scoring follower mode (issue 6: "
                                "--follow_primary / --follow_token) has not "
                                "landed in kam-scoring yet; the "
                                "kam-scoring-follower Deployment cannot run "
                                "without it.")
                        else:
                            check.fail(f"{where}: {var}: {binary} has no "
                                       f"--{flag} flag")
                    if var.endswith("_TOKEN"):
                        check.expect(how == "secret",
                                     f"{where}: {var} must come from a Secret "
                                     "key (secretKeyRef), not a literal")
                        if how == "secret":
                            sname, key = value
                            want = TOKEN_KEYS.get((name, flag), flag)
                            check.expect(secret_alias(objects, sname) ==
                                         SECRET_NAME and key == want,
                                         f"{where}: {var} should be key "
                                         f"{want} of Secret {SECRET_NAME}, is "
                                         f"{key} of {sname}")
                    elif how != "value":
                        check.fail(f"{where}: {var} should be a plain value "
                                   "(ConfigMap)")
                for arg in (c.get("command") or [])[1:] + (c.get("args") or []):
                    m = re.fullmatch(r"--([a-z0-9_]+)(=.*)?", arg)
                    if check.expect(m is not None,
                                    f"{where}: argument {arg!r} is not a "
                                    "--flag=value"):
                        check.expect(m.group(1) in known,
                                     f"{where}: {binary} has no --{m.group(1)}")
                flags = path_flags(env)
                for flag in REQUIRED_FLAGS:
                    check.expect(flag in flags, f"{where}: KAM_{flag.upper()} "
                                 "is not set")
                for flag in FORBIDDEN_FLAGS:
                    check.expect(flag not in flags,
                                 f"{where}: KAM_{flag.upper()} must not be set "
                                 "in a deployment")
                # Listen addresses: all interfaces, on the container ports,
                # which are the binary's own defaults.
                ports = container_ports(c)
                for flag, port_name in (("listen", "grpc"),
                                        ("metrics_listen", "metrics")):
                    value = flags.get(flag, ("", ""))[1]
                    m = re.fullmatch(r"(.+):(\d+)", value)
                    if not check.expect(m is not None,
                                        f"{where}: KAM_{flag.upper()} "
                                        f"{value!r} is not host:port"):
                        continue
                    host, port = m.group(1), int(m.group(2))
                    check.expect(host in ("0.0.0.0", "[::]"),
                                 f"{where}: KAM_{flag.upper()} should listen "
                                 f"on all interfaces, not {host}")
                    check.expect(ports.get(port_name) == port,
                                 f"{where}: KAM_{flag.upper()} port {port} is "
                                 f"not container port {port_name} "
                                 f"({ports.get(port_name)})")
                    check.expect(port == expected_ports[port_name],
                                 f"{where}: {port_name} port {port} is not "
                                 f"{binary}'s default "
                                 f"{expected_ports[port_name]}")
                check.expect(set(ports) == {"grpc", "metrics"},
                             f"{where}: container ports should be exactly "
                             f"grpc and metrics, are {sorted(ports)}")
                # Peers.
                peers = {f for f in flags if f in PEER_FLAGS}
                required = REQUIRED_PEERS[name]
                check.expect(peers == required,
                             f"{where}: peer addresses {sorted(peers)}, "
                             f"expected {sorted(required)}")
                for flag in peers:
                    target, token_flag = PEER_FLAGS[flag]
                    check.expect(token_flag in flags,
                                 f"{where}: KAM_{flag.upper()} without "
                                 f"KAM_{token_flag.upper()} (every server "
                                 "requires a token)")
                    check_peer_address(ctx, check, objects, where, flag,
                                       flags[flag][1], target)


def check_peer_address(ctx, check, objects, where, flag, value, target):
    m = re.fullmatch(r"([a-z0-9-]+)(\.[a-z0-9.-]+)?:(\d+)", value)
    if not check.expect(m is not None, f"{where}: KAM_{flag.upper()} "
                        f"{value!r} is not service:port"):
        return
    service_name, port = m.group(1), int(m.group(3))
    svc = objects.get(("Service", service_name))
    if not check.expect(svc is not None, f"{where}: KAM_{flag.upper()} names "
                        f"Service {service_name}, which is not rendered"):
        return
    check.expect(svc["spec"].get("clusterIP") != "None",
                 f"{where}: KAM_{flag.upper()} should use the ClusterIP "
                 f"Service, not the headless {service_name}")
    selected = [n for n, w in workloads(objects).items()
                if labels_match({"matchLabels": svc["spec"]["selector"]},
                                pod_labels(w))]
    check.expect(selected == [target], f"{where}: KAM_{flag.upper()} reaches "
                 f"{selected}, should reach {target}")
    sports = {p["port"]: p for p in svc["spec"]["ports"]}
    if check.expect(port in sports, f"{where}: Service {service_name} has no "
                    f"port {port}"):
        grpc = ctx.ports(target)["grpc"]
        tp = sports[port].get("targetPort", port)
        check.expect(tp in ("grpc", grpc), f"{where}: {service_name}:{port} "
                     f"does not lead to {target}'s gRPC port")


def check_services(ctx, check):
    """Services, ServiceMonitors, PDBs and the HPA point at real things."""
    for overlay, objects in ctx.rendered.items():
        wl = workloads(objects)
        services = {n: o for (k, n), o in objects.items() if k == "Service"}
        for name, svc in services.items():
            where = f"{overlay}: Service/{name}"
            selected = [n for n, w in wl.items()
                        if labels_match({"matchLabels": svc["spec"].get(
                            "selector", {})}, pod_labels(w))]
            if not check.expect(len(selected) == 1,
                                f"{where}: selects {selected}, should select "
                                "exactly one workload"):
                continue
            w = wl[selected[0]]
            cports = {}
            for c in all_containers(w):
                for pname, port in container_ports(c).items():
                    cports[pname] = port
            headless = svc["spec"].get("clusterIP") == "None"
            names = {p.get("name") for p in svc["spec"]["ports"]}
            check.expect(names == ({"grpc"} if headless else
                                   {"grpc", "metrics"}),
                         f"{where}: ports {sorted(names)}")
            check.expect(svc["metadata"]["labels"].get("kam-endpoint") ==
                         ("headless" if headless else "api"),
                         f"{where}: label kam-endpoint should be "
                         f"{'headless' if headless else 'api'}")
            for p in svc["spec"]["ports"]:
                tp = p.get("targetPort", p["port"])
                ok = tp in cports if isinstance(tp, str) else \
                    tp in cports.values()
                check.expect(ok, f"{where}: targetPort {tp} is no container "
                             f"port of {selected[0]}")
                if isinstance(tp, str) and tp in cports:
                    check.expect(p["port"] == cports[tp],
                                 f"{where}: port {p['port']} should equal the "
                                 f"container port {cports[tp]}")
        for (kind, name), obj in objects.items():
            where = f"{overlay}: {kind}/{name}"
            if kind == "ServiceMonitor":
                matched = [n for n, s in services.items()
                           if labels_match(obj["spec"]["selector"],
                                           s["metadata"].get("labels", {}))]
                if check.expect(matched == [name],
                                f"{where}: selects Services {matched}, should "
                                f"select {name} only"):
                    port_names = {p.get("name") for p in
                                  services[name]["spec"]["ports"]}
                    for ep in obj["spec"]["endpoints"]:
                        check.expect(ep.get("port") in port_names,
                                     f"{where}: port {ep.get('port')} is not "
                                     f"a port of Service {name}")
                        check.expect(ep.get("path", "/metrics") == "/metrics",
                                     f"{where}: path should be /metrics")
            elif kind == "PodDisruptionBudget":
                matched = [n for n, w in wl.items()
                           if labels_match(obj["spec"]["selector"],
                                           pod_labels(w))]
                check.expect(matched == [name],
                             f"{where}: selects {matched}, should select "
                             f"{name} only")
                spec = obj["spec"]
                if wl.get(name, {}).get("kind") == "StatefulSet":
                    check.expect(spec.get("maxUnavailable") == 1 and
                                 "minAvailable" not in spec,
                                 f"{where}: a single-pod primary needs "
                                 "maxUnavailable: 1 (minAvailable would block "
                                 "every node drain)")
            elif kind == "HorizontalPodAutoscaler":
                ref = obj["spec"]["scaleTargetRef"]
                target = objects.get((ref["kind"], ref["name"]))
                if not check.expect(target is not None,
                                    f"{where}: scales {ref['kind']}/"
                                    f"{ref['name']}, which is not rendered"):
                    continue
                check.expect(ref["name"] == "kam-scoring-follower",
                             f"{where}: only the followers scale "
                             "horizontally (the primaries are single writers)")
                check.expect("replicas" not in target["spec"],
                             f"{where}: {ref['name']} sets replicas, which "
                             "every apply would reset under the HPA")
                check.expect(obj["spec"].get("minReplicas", 1) >= 2,
                             f"{where}: minReplicas should be at least 2")
                uses_cpu = any(m.get("type") == "Resource" and
                               m["resource"]["name"] == "cpu"
                               for m in obj["spec"].get("metrics") or [])
                check.expect(uses_cpu, f"{where}: should scale on CPU")
                for c in all_containers(target):
                    check.expect("cpu" in ((c.get("resources") or {}).get(
                        "requests") or {}), f"{where}: {c['name']} needs a CPU "
                        "request for CPU utilisation")
        # A client label on a kam pod would open every port to it.
        for name, w in wl.items():
            check.expect(pod_labels(w).get(CLIENT_LABEL[0]) is None,
                         f"{overlay}: {name} pods carry {CLIENT_LABEL[0]}")


def classify_peer(objects, peer, where, check):
    """A NetworkPolicy peer as a set of flow endpoints."""
    if "ipBlock" in peer:
        check.fail(f"{where}: ipBlock peers are not in the design: {peer}")
        return set()
    ns = peer.get("namespaceSelector")
    pods = peer.get("podSelector")
    if ns is None:
        if pods is None:
            check.fail(f"{where}: empty peer {peer}")
            return set()
        matched = {n for n, w in workloads(objects).items()
                   if labels_match(pods, pod_labels(w))}
        if not matched:
            check.fail(f"{where}: peer {pods} matches no kam pods")
        return matched
    ns_labels = ns.get("matchLabels") or {}
    pod_labels_ = (pods or {}).get("matchLabels") or {}
    if not ns_labels and not ns.get("matchExpressions") and \
            pod_labels_ == dict([CLIENT_LABEL]) and \
            not (pods or {}).get("matchExpressions"):
        return {"clients"}
    if ns_labels == {"kubernetes.io/metadata.name": MONITORING_NAMESPACE} and \
            pod_labels_ == {"app.kubernetes.io/name": "prometheus"}:
        return {"prometheus"}
    if ns_labels == {"kubernetes.io/metadata.name": "kube-system"} and \
            pod_labels_ == {"k8s-app": "kube-dns"}:
        return {"dns"}
    check.fail(f"{where}: peer {json.dumps(peer, sort_keys=True)} is none of "
               "clients, Prometheus, DNS or a kam component")
    return set()


def check_network(ctx, check):
    """The NetworkPolicies allow exactly the design's flows."""
    for overlay, objects in ctx.rendered.items():
        wl = workloads(objects)
        ports = {n: ctx.ports(n) for n in COMPONENTS}
        port_name = {(n, p): k for n in COMPONENTS for k, p in ports[n].items()}
        ingress, egress = set(), set()
        denied = {n: set() for n in wl}
        for (kind, name), pol in objects.items():
            if kind != "NetworkPolicy":
                continue
            where = f"{overlay}: NetworkPolicy/{name}"
            spec = pol["spec"]
            targets = {n for n, w in wl.items()
                       if labels_match(spec["podSelector"], pod_labels(w))}
            check.expect(targets, f"{where}: selects no kam pods")
            types = set(spec.get("policyTypes") or ["Ingress"])
            for t in targets:
                denied[t] |= types
            for direction, rules, sink in (("ingress", spec.get("ingress"),
                                            ingress),
                                           ("egress", spec.get("egress"),
                                            egress)):
                if rules and direction.capitalize() not in types:
                    check.fail(f"{where}: {direction} rules without policyType")
                for i, rule in enumerate(rules or []):
                    peers_key = "from" if direction == "ingress" else "to"
                    rw = f"{where} {direction}[{i}]"
                    if not check.expect(rule.get(peers_key),
                                        f"{rw}: no {peers_key} (allows every "
                                        "peer)"):
                        continue
                    if not check.expect(rule.get("ports"),
                                        f"{rw}: no ports (allows every port)"):
                        continue
                    peers = set()
                    for peer in rule[peers_key]:
                        peers |= classify_peer(objects, peer, rw, check)
                    for p in rule["ports"]:
                        port, proto = p.get("port"), p.get("protocol", "TCP")
                        check.expect(isinstance(port, int),
                                     f"{rw}: port {port!r} should be a number")
                        for peer in peers:
                            for t in targets:
                                if direction == "ingress":
                                    sink.add((peer, t, port, proto))
                                else:
                                    sink.add((t, peer, port, proto))
        for n, types in denied.items():
            check.expect(types >= {"Ingress", "Egress"},
                         f"{overlay}: {n} is not under a default-deny for "
                         f"both directions (has {sorted(types)})")
        flows = set()
        for src, dst, port, proto in ingress:
            if src in COMPONENTS:
                if (src, dst, port, proto) not in egress:
                    check.fail(f"{overlay}: {dst} admits {src} on {port} but "
                               f"{src} may not send it (dead rule)")
                    continue
            flows.add((src, dst, port, proto))
        for src, dst, port, proto in egress:
            if dst in COMPONENTS:
                if (src, dst, port, proto) not in ingress:
                    check.fail(f"{overlay}: {src} may send to {dst} on {port} "
                               f"but {dst} does not admit it (dead rule)")
            else:
                flows.add((src, dst, port, proto))
        named = set()
        for src, dst, port, proto in flows:
            if dst in COMPONENTS:
                pname = port_name.get((dst, port))
                if not check.expect(pname is not None and proto == "TCP",
                                    f"{overlay}: {src} -> {dst} on {port}/"
                                    f"{proto}, which is no port of {dst}"):
                    continue
                named.add((src, dst, pname))
            else:
                named.add((src, dst, f"{port}/{proto}"))
        for flow in sorted(EXPECTED_FLOWS - named):
            check.fail(f"{overlay}: flow {flow[0]} -> {flow[1]}:{flow[2]} is "
                       "not allowed")
        for flow in sorted(named - EXPECTED_FLOWS):
            check.fail(f"{overlay}: flow {flow[0]} -> {flow[1]}:{flow[2]} is "
                       "allowed but not in the design")


def diff(a, b, path=""):
    """Paths where a and b differ; list entries keyed by name when they have
    one (containers, env, volumes, ports) and by index otherwise."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            sub = f"{path}.{key}" if path else key
            if key not in a or key not in b:
                out.append((sub, a.get(key), b.get(key)))
            else:
                out.extend(diff(a[key], b[key], sub))
        return out
    if isinstance(a, list) and isinstance(b, list):
        def keyed(items):
            if items and all(isinstance(i, dict) and "name" in i
                             for i in items):
                return {i["name"]: i for i in items}
            if items and all(isinstance(i, dict) and "metadata" in i and
                             "name" in i["metadata"] for i in items):
                return {i["metadata"]["name"]: i for i in items}
            return None
        ka, kb = keyed(a), keyed(b)
        if ka is not None and kb is not None:
            out = []
            for key in sorted(set(ka) | set(kb)):
                sub = f"{path}[{key}]"
                if key not in ka or key not in kb:
                    out.append((sub, ka.get(key), kb.get(key)))
                else:
                    out.extend(diff(ka[key], kb[key], sub))
            return out
        if len(a) != len(b):
            return [(path, a, b)]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out.extend(diff(x, y, f"{path}[{i}]"))
        return out
    return [] if a == b else [(path, a, b)]


def check_overlays(ctx, check):
    """The overlays differ from the base only in the allowed fields."""
    base = ctx.rendered["base"]
    allowed = [re.compile(p) for p in ALLOWED_DIFFS]
    secret_refs = [re.compile(p) for p in SECRET_REF_DIFFS]
    for overlay in OVERLAYS[1:]:
        objects = ctx.rendered[overlay]
        for key in sorted(set(base) - set(objects)):
            check.fail(f"{overlay}: drops {key[0]}/{key[1]} from the base")
        for key in sorted(set(objects) - set(base)):
            check.expect(key[0] in ADDED_KINDS.get(overlay, set()),
                         f"{overlay}: adds {key[0]}/{key[1]}; it may add only "
                         f"{sorted(ADDED_KINDS.get(overlay, set()))}")
        for key in sorted(set(base) & set(objects)):
            for path, was, now in diff(base[key], objects[key]):
                if any(p.fullmatch(path) for p in allowed):
                    if path == "spec.replicas":
                        check.expect(key[0] == "Deployment",
                                     f"{overlay}: {key[0]}/{key[1]}: replicas "
                                     "changed")
                    continue
                if any(p.fullmatch(path) for p in secret_refs) and \
                        was == SECRET_NAME and \
                        secret_alias(objects, str(now)) == SECRET_NAME:
                    continue
                check.fail(f"{overlay}: {key[0]}/{key[1]}: {path} differs from "
                           f"the base ({json.dumps(was)} -> {json.dumps(now)}), "
                           "which is not among the fields an overlay may "
                           "change")
        # Overlays are namespaced and use one image throughout.
        namespaces = {o["metadata"].get("namespace") for o in objects.values()}
        check.expect(len(namespaces) == 1 and None not in namespaces,
                     f"{overlay}: every object should get the overlay's "
                     f"namespace, found {namespaces}")
        images = {c["image"] for w in workloads(objects).values()
                  for c in all_containers(w)}
        check.expect(len(images) == 1,
                     f"{overlay}: one image for the suite, found {images}")


def check_secrets(ctx, check):
    """Secrets: kam-auth's keys, dev's tokens and roles, all documented.

    Secret references name kam-auth's keys; dev's generated Secret holds them,
    with a tokens file granting each peer token its role; deploy/README.md
    documents every key and variable.
    """
    used_vars, used_keys = set(), set()
    for overlay, objects in ctx.rendered.items():
        refs = set()
        for name, w in workloads(objects).items():
            spec = pod_spec(w)
            for v in spec.get("volumes") or []:
                if "secret" in v:
                    for item in v["secret"].get("items") or []:
                        refs.add((v["secret"]["secretName"], item["key"]))
            for c in all_containers(w):
                env = container_env(objects, c, f"{overlay}: {name}", check)
                used_vars |= set(env)
                for how, value in env.values():
                    if how == "secret":
                        refs.add(value)
        for sname, key in sorted(refs):
            check.expect(secret_alias(objects, sname) == SECRET_NAME,
                         f"{overlay}: reference to Secret {sname}; everything "
                         f"comes from {SECRET_NAME}")
            check.expect(key in SECRET_KEYS,
                         f"{overlay}: unknown key {key} of {sname}")
            used_keys.add(key)
        generated = [o for (k, n), o in objects.items() if k == "Secret"]
        if overlay == "overlays/dev":
            if not check.expect(len(generated) == 1,
                                "dev: should generate one Secret (kam-auth)"):
                continue
            data = {k: base64.b64decode(v).decode() for k, v in
                    (generated[0].get("data") or {}).items()}
            for sname, key in refs:
                check.expect(key in data, f"dev: Secret lacks key {key}")
            roles = {}
            for n, line in enumerate(data.get("auth_tokens", "").splitlines()):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split()
                if not check.expect(len(parts) == 2 and parts[0] in ROLES,
                                    f"dev: auth_tokens line {n + 1} is not "
                                    f"'<role> <token>' with a role in {ROLES}"):
                    continue
                check.expect(parts[1] not in roles,
                             f"dev: token on line {n + 1} given twice")
                roles[parts[1]] = parts[0]
            for key, need in PEER_TOKEN_ROLE.items():
                token = data.get(key)
                role = roles.get(token)
                check.expect(role is not None and
                             ROLES.index(role) >= ROLES.index(need),
                             f"dev: {key} has role {role} in auth_tokens, "
                             f"needs {need} or more")
        else:
            check.expect(not generated, f"{overlay}: Secrets must not be in "
                         "the manifests outside dev (create kam-auth out of "
                         "band)")
    readme = os.path.join(ctx.deploy_dir, "README.md")
    text = open(readme, encoding="utf-8").read()
    for word in sorted(used_vars | used_keys):
        check.expect(word in text, f"deploy/README.md does not document {word}")


def check_monitoring(ctx, check):
    """The PrometheusRule carries deploy/prometheus/kam-rules.yaml's groups."""
    rules_file = os.path.join(ctx.deploy_dir, "prometheus", "kam-rules.yaml")
    for overlay, objects in ctx.rendered.items():
        rule = objects.get(("PrometheusRule", "kam"))
        if not check.expect(rule is not None,
                            f"{overlay}: PrometheusRule/kam missing"):
            continue
        groups = rule["spec"].get("groups") or []
        check.expect(groups and all(g.get("rules") for g in groups),
                     f"{overlay}: PrometheusRule/kam has no rules")
        if os.path.exists(rules_file):
            with open(rules_file, encoding="utf-8") as f:
                wanted = (yaml.safe_load(f) or {}).get("groups")
            check.expect(groups == wanted,
                         f"{overlay}: PrometheusRule/kam's spec.groups differ "
                         "from deploy/prometheus/kam-rules.yaml; run "
                         "`python3 deploy/k8s/sync-prometheusrule.py`")


def dockerfile_stages(text):
    text = re.sub(r"\\\n", " ", text)
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append({"from": rest.split()[0], "lines": []})
        elif stages:
            stages[-1]["lines"].append((word.upper(), rest))
    return stages


def library_packages(binaries):
    """Debian packages owning the shared libraries the binaries load."""
    for tool in ("ldd", "dpkg"):
        if not shutil.which(tool):
            fatal(f"{tool} is not installed; this check maps the binaries' "
                  "libraries to Debian packages (it runs on Debian bookworm)")
    libs = set()
    for path in binaries:
        out = subprocess.run(["ldd", path], capture_output=True, text=True,
                             timeout=20).stdout
        libs |= set(re.findall(r"=>\s+(/\S+)", out))
        if "not found" in out:
            fatal(f"ldd {path}: a library is not found:\n{out}")
    candidates = {}
    for lib in sorted(libs):
        paths = {lib, os.path.realpath(lib)}
        for c in list(paths):  # merged /usr: /lib/x is /usr/lib/x
            paths.add(c[len("/usr"):] if c.startswith("/usr/") else "/usr" + c)
        candidates[lib] = paths
    every = sorted(set().union(*candidates.values()))
    # One dpkg call for all of them (it exits 1 when some path is unowned).
    out = subprocess.run(["dpkg", "-S"] + every, capture_output=True,
                         text=True, timeout=60).stdout
    owner_of = {}
    for line in out.splitlines():
        m = re.fullmatch(r"([^\s:,]+)(?::[\w-]+)?(?:, [^:]+)?: (/\S+)", line)
        if m:
            owner_of[m.group(2)] = m.group(1)
    packages = {}
    for lib, paths in candidates.items():
        owners = {owner_of[p] for p in paths if p in owner_of}
        if len(owners) != 1:
            fatal(f"no single Debian package owns {lib} (dpkg -S: {owners})")
        packages.setdefault(owners.pop(), []).append(os.path.basename(lib))
    return packages


def check_image(ctx, check):
    """deploy/Dockerfile: the stages, and exactly the binaries' runtime packages.

    Builder and runtime stages as designed, and the runtime installs exactly
    the Debian packages the binaries' shared libraries come from.
    """
    path = os.path.join(ctx.deploy_dir, "Dockerfile")
    stages = dockerfile_stages(open(path, encoding="utf-8").read())
    if not check.expect(len(stages) == 2, "Dockerfile: expected a builder and "
                        f"a runtime stage, found {len(stages)}"):
        return
    builder, runtime = stages
    check.expect(builder["from"] == "debian:bookworm",
                 f"Dockerfile: builder FROM {builder['from']}")
    runs = " ".join(rest for word, rest in builder["lines"] if word == "RUN")
    check.expect("tools/install-deps.sh" in runs,
                 "Dockerfile: the builder must run tools/install-deps.sh")
    check.expect("tools/build.sh" in runs,
                 "Dockerfile: the builder must run tools/build.sh")
    for option in ("-DKAM_BUILD_TESTS=OFF", "-DKAM_BUILD_BENCHMARKS=OFF"):
        check.expect(option in runs, f"Dockerfile: build.sh without {option}")
    for binary in IMAGE_BINARIES:
        check.expect(re.search(r"\b%s\b" % re.escape(binary), runs),
                     f"Dockerfile: the builder does not build {binary}")
    check.expect(runtime["from"] == "debian:bookworm-slim",
                 f"Dockerfile: runtime FROM {runtime['from']} (the preStop "
                 "hook needs bookworm-slim's /bin/sleep)")
    users = [rest.strip() for word, rest in runtime["lines"] if word == "USER"]
    check.expect(users and users[-1].split(":")[0] == "10001",
                 f"Dockerfile: runtime USER should be 10001, is {users}")
    copies = [rest for word, rest in runtime["lines"] if word == "COPY"]
    check.expect(any("--from=builder" in c and c.rstrip().endswith(
        "/usr/local/bin/") for c in copies),
        "Dockerfile: the runtime should COPY the binaries from the builder "
        "into /usr/local/bin/")
    check.expect(not any(word in ("ENTRYPOINT",) for word, _ in
                         runtime["lines"]),
                 "Dockerfile: no ENTRYPOINT (the container command chooses "
                 "the binary)")
    installed = set()
    for word, rest in runtime["lines"]:
        if word != "RUN":
            continue
        for m in re.finditer(r"apt-get install ([^&;]*)", rest):
            installed |= {w for w in m.group(1).split()
                          if not w.startswith("-")}
    needed = library_packages([ctx.binaries[b] for b in IMAGE_BINARIES])
    for package in sorted(set(needed) - installed):
        check.fail(f"Dockerfile: the runtime stage does not install {package} "
                   f"(provides {', '.join(needed[package])})")
    for package in sorted(installed - set(needed)):
        check.fail(f"Dockerfile: the runtime stage installs {package}, which "
                   "no binary loads")


CHECKS = {
    "render": check_render,
    "pods": check_pods,
    "flags": check_flags,
    "services": check_services,
    "network": check_network,
    "overlays": check_overlays,
    "secrets": check_secrets,
    "monitoring": check_monitoring,
    "image": check_image,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source_dir", required=True)
    parser.add_argument("--binary", action="append", default=[],
                        help="NAME=PATH of a built binary (repeat)")
    parser.add_argument("--check", action="append", choices=sorted(CHECKS),
                        help="run only these checks (default: all)")
    args = parser.parse_args()
    ctx = Context(args)
    failed = False
    for name in args.check or list(CHECKS):
        check = Checker()
        CHECKS[name](ctx, check)
        if check.failures:
            failed = True
            print(f"FAIL {name}: {CHECKS[name].__doc__.splitlines()[0]}")
            for message in check.failures:
                print(f"  - {message}")
        else:
            print(f"ok   {name}: {CHECKS[name].__doc__.splitlines()[0]}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
