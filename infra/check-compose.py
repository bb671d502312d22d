#!/usr/bin/env python3
"""Static checks of the compose files in infra/ (no Docker needed).

Usage: python3 infra/check-compose.py [COMPOSE_FILE ...]

Without arguments: docker-compose.yml, then docker-compose.yml with
docker-compose.services.yml on top (as "docker compose -f ... -f ..." merges
them). With files: those files, merged in order.

Checks that the files parse, that every service has a pinned image and a
usable healthcheck, that ports and volumes are well formed (after resolving
${VAR:-default} with the defaults), that named volumes are declared and bind
mounts exist, and a few expectations of the pipeline on the kafka, mysql and
redis services. For the application services (those with a "build"; see
AppChecks): build context and Dockerfile, the main class as a Java source,
XIAOZHI_* variables against the configuration keys, the /health check on the
service's port, scalable workers, the Prometheus and Grafana files.

Exits 0 and prints "check-compose: OK ..." when all checks pass; otherwise
prints every problem found and exits 1 (2 for usage or unreadable input).
Needs only Python 3 and PyYAML.
"""

import ipaddress
import json
import os
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    print("check-compose: FAILED: PyYAML is not installed (pip install pyyaml)", file=sys.stderr)
    sys.exit(2)

REQUIRED_SERVICES = ("kafka", "mysql", "redis")
TOP_LEVEL_KEYS = {"name", "services", "volumes", "networks", "configs", "secrets", "include", "version"}
SERVICE_VOLUME_MODES = {"rw", "ro", "z", "Z", "nocopy", "cached", "delegated", "consistent"}
DURATION_RE = re.compile(r"^(\d+(\.\d+)?(us|ms|s|m|h))+$")
VAR_RE = re.compile(r"\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
VAR_EXPR_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-|:?\?|:?\+)(.*))?$", re.S)
PORT_RE = re.compile(r"^\d+(-\d+)?$")


class Checker:
    def __init__(self, paths):
        self.paths = list(paths)
        self.path = " + ".join(self.paths)
        self.base_dir = os.path.dirname(os.path.abspath(self.paths[0]))
        self.problems = []

    def fail(self, where, message):
        self.problems.append(f"{where}: {message}")

    # ---- interpolation -------------------------------------------------

    def interpolate(self, value, where, report=True):
        """Resolves ${VAR:-default} like compose would with an empty
        environment; every variable must carry a default (reported as a
        problem unless report is False)."""
        if not isinstance(value, str):
            return value
        if not report:
            saved = list(self.problems)
            try:
                return self.interpolate(value, where)
            finally:
                self.problems = saved
        if re.search(r"\$\{[^}]*$", value.replace("$$", "")):
            self.fail(where, f"unclosed '${{' in {value!r}")

        def repl(match):
            if match.group(1):  # "$$" is a literal "$"
                return "$"
            if match.group(3):
                self.fail(where, f"variable ${match.group(3)} has no default; use ${{{match.group(3)}:-value}}")
                return ""
            expr = match.group(2)
            m = VAR_EXPR_RE.match(expr)
            if not m:
                self.fail(where, f"malformed variable reference ${{{expr}}}")
                return ""
            name, op, arg = m.group(1), m.group(2), m.group(3)
            if op in (":-", "-"):
                return self.interpolate(arg, where)
            if op in (":+", "+"):
                return ""  # unset in an empty environment
            self.fail(where, f"variable ${{{expr}}} has no default; use ${{{name}:-value}}")
            return ""

        return VAR_RE.sub(repl, value)

    # ---- checks ----------------------------------------------------------

    def load(self):
        """Reads the files and merges them as compose does for the keys used here: services by
        name (a later file's keys replace an earlier one's, mappings merged), top-level mappings
        key by key. Returns the merged document, or an exit code."""
        merged = None
        for path in self.paths:
            try:
                with open(path, encoding="utf-8") as f:
                    doc = yaml.safe_load(f)
            except OSError as e:
                print(f"check-compose: FAILED: cannot read {path}: {e}", file=sys.stderr)
                return 2
            except yaml.YAMLError as e:
                print(f"check-compose: FAILED: {path} is not valid YAML: {e}", file=sys.stderr)
                return 1
            if merged is None:
                merged = doc
                continue
            if not isinstance(doc, dict) or not isinstance(merged, dict):
                return doc if not isinstance(doc, dict) else merged  # reported as "top level must be a mapping"
            for key, value in doc.items():
                if key == "services" and isinstance(value, dict) and isinstance(merged.get(key), dict):
                    services = dict(merged[key])
                    for name, svc in value.items():
                        if isinstance(services.get(name), dict) and isinstance(svc, dict):
                            services[name] = merge_mappings(services[name], svc)
                        else:
                            services[name] = svc
                    merged[key] = services
                elif isinstance(value, dict) and isinstance(merged.get(key), dict):
                    merged[key] = {**merged[key], **value}
                else:
                    merged[key] = value
        return merged

    def run(self):
        doc = self.load()
        if isinstance(doc, int) and not isinstance(doc, bool):
            return doc

        if not isinstance(doc, dict):
            self.fail("file", "top level must be a mapping")
            return self.report(doc)

        for key in doc:
            if not isinstance(key, str) or (key not in TOP_LEVEL_KEYS and not key.startswith("x-")):
                self.fail("file", f"unknown top-level key {key!r}")
        if "version" in doc:
            self.fail("file", "top-level 'version' is obsolete in the Compose specification; remove it")

        services = doc.get("services")
        if not isinstance(services, dict) or not services:
            self.fail("services", "missing or empty 'services' mapping")
            return self.report(doc)

        declared_volumes = doc.get("volumes") or {}
        if not isinstance(declared_volumes, dict):
            self.fail("volumes", "top-level 'volumes' must be a mapping")
            declared_volumes = {}
        used_volumes = set()
        published = {}

        for name, svc in services.items():
            where = f"services.{name}"
            if not isinstance(svc, dict):
                self.fail(where, "must be a mapping")
                continue
            self.check_image(where, svc)
            self.check_healthcheck(where, svc)
            self.check_environment(where, svc)
            self.check_ports(where, svc, published)
            used_volumes |= self.check_volumes(where, svc, declared_volumes)
            self.check_depends_on(where, svc, services)

        for vol in declared_volumes:
            if vol not in used_volumes:
                self.fail(f"volumes.{vol}", "declared but used by no service")

        for req in REQUIRED_SERVICES:
            if req not in services:
                self.fail("services", f"required service {req!r} is missing")
            elif isinstance(services[req], dict) and services[req].get("profiles"):
                self.fail(f"services.{req}", "infrastructure services must not have profiles "
                          "(they start with a plain 'docker compose up')")

        self.check_project_expectations(services)
        self.check_bind_sources(services)
        if any(isinstance(svc, dict) and "build" in svc for svc in services.values()):
            AppChecks(self, doc).run()
        return self.report(doc)

    def check_bind_sources(self, services):
        """A relative bind mount must name a file or directory that exists: for a missing source,
        Docker creates an empty directory and the service fails in a less obvious way."""
        for name, svc in services.items():
            if not isinstance(svc, dict):
                continue
            for raw in svc.get("volumes") or []:
                source = None
                if isinstance(raw, str):
                    parts = self.interpolate(raw, f"services.{name}.volumes", report=False).split(":")
                    source = parts[0] if len(parts) > 1 else None
                elif isinstance(raw, dict) and raw.get("type") == "bind":
                    source = raw.get("source")
                if isinstance(source, str) and source.startswith("."):
                    if not os.path.exists(os.path.join(self.base_dir, source)):
                        self.fail(f"services.{name}.volumes", f"bind mount source {source!r} does not exist "
                                  f"(relative to {self.base_dir})")

    def check_image(self, where, svc):
        image = self.interpolate(svc.get("image"), f"{where}.image")
        if not isinstance(image, str) or not image.strip():
            self.fail(where, "has no 'image'")
            return
        ref = image.split("@", 1)[0]
        last = ref.rsplit("/", 1)[-1]
        if "@" in image:
            return  # pinned by digest
        if ":" not in last:
            self.fail(f"{where}.image", f"{image!r} has no tag; pin a version")
        elif last.rsplit(":", 1)[1] in ("", "latest"):
            self.fail(f"{where}.image", f"{image!r} uses an empty or 'latest' tag; pin a version")

    def check_healthcheck(self, where, svc):
        hc = svc.get("healthcheck")
        w = f"{where}.healthcheck"
        if not isinstance(hc, dict):
            self.fail(where, "has no 'healthcheck' mapping")
            return
        if hc.get("disable") is True:
            self.fail(w, "is disabled")
        test = hc.get("test")
        if isinstance(test, str):
            if not test.strip():
                self.fail(w, "'test' is empty")
        elif isinstance(test, list):
            if len(test) < 2 or test[0] not in ("CMD", "CMD-SHELL"):
                self.fail(w, "'test' must be [\"CMD\", ...] or [\"CMD-SHELL\", \"...\"] with a command")
            elif not all(isinstance(t, str) and t.strip() for t in test[1:]):
                self.fail(w, "'test' arguments must be non-empty strings")
            elif test[0] == "CMD-SHELL" and len(test) != 2:
                self.fail(w, "'CMD-SHELL' takes exactly one command string")
        else:
            self.fail(w, "has no 'test'")
        for key in ("interval", "timeout", "start_period", "start_interval"):
            if key in hc:
                val = hc[key]
                if not isinstance(val, str) or not DURATION_RE.match(val):
                    self.fail(w, f"'{key}' must be a duration like '10s', got {val!r}")
        if "retries" in hc and (not isinstance(hc["retries"], int) or isinstance(hc["retries"], bool)
                                or hc["retries"] < 1):
            self.fail(w, f"'retries' must be a positive integer, got {hc['retries']!r}")

    def check_environment(self, where, svc):
        env = svc.get("environment")
        w = f"{where}.environment"
        if env is None:
            return
        if isinstance(env, dict):
            for key, val in env.items():
                if isinstance(val, bool):
                    self.fail(w, f"{key}: boolean {val!r} is rejected by compose; quote it")
                elif val is not None and not isinstance(val, (str, int, float)):
                    self.fail(w, f"{key}: value must be a string or number")
                else:
                    self.interpolate(val, f"{w}.{key}")
        elif isinstance(env, list):
            for item in env:
                if not isinstance(item, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_.]*(=|$)", item):
                    self.fail(w, f"malformed entry {item!r} (expected KEY=value)")
                else:
                    self.interpolate(item, w)
        else:
            self.fail(w, "must be a mapping or a list")

    def check_ports(self, where, svc, published):
        ports = svc.get("ports")
        if ports is None:
            return
        w = f"{where}.ports"
        if not isinstance(ports, list):
            self.fail(w, "must be a list")
            return
        for raw in ports:
            if isinstance(raw, dict):
                entry = self.parse_long_port(w, raw)
            elif isinstance(raw, (str, int)) and not isinstance(raw, bool):
                entry = self.parse_short_port(w, str(raw))
            else:
                self.fail(w, f"malformed entry {raw!r}")
                continue
            if entry is None:
                continue
            host_ip, host_port, proto = entry
            if host_port is None:
                continue
            key = (host_ip or "0.0.0.0", host_port, proto)
            if key in published:
                self.fail(w, f"host port {host_port}/{proto} is already published by {published[key]}")
            published[key] = where

    def parse_short_port(self, w, raw):
        value = self.interpolate(raw, w)
        proto = "tcp"
        if "/" in value:
            value, proto = value.rsplit("/", 1)
            if proto not in ("tcp", "udp", "sctp"):
                self.fail(w, f"{raw!r}: unknown protocol {proto!r}")
                return None
        host_ip = None
        m = re.match(r"^\[([0-9A-Fa-f:.]+)\]:(.*)$", value)
        if m:
            host_ip, value = m.group(1), m.group(2)
            parts = value.split(":")
        else:
            parts = value.split(":")
            if len(parts) == 3:
                host_ip = parts.pop(0)
        if host_ip is not None:
            try:
                ipaddress.ip_address(host_ip)
            except ValueError:
                self.fail(w, f"{raw!r}: host address {host_ip!r} is not an IP address")
                return None
        if len(parts) not in (1, 2) or not all(PORT_RE.match(p) for p in parts):
            self.fail(w, f"{raw!r} resolves to {value!r}, expected [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]")
            return None
        for p in parts:
            for n in p.split("-"):
                if not 1 <= int(n) <= 65535:
                    self.fail(w, f"{raw!r}: port {n} out of range")
                    return None
        host_port = parts[0] if len(parts) == 2 else None
        return host_ip, host_port, proto

    def parse_long_port(self, w, raw):
        target = raw.get("target")
        if not isinstance(target, int) or isinstance(target, bool) or not 1 <= target <= 65535:
            self.fail(w, f"{raw!r}: 'target' must be a port number")
            return None
        proto = raw.get("protocol", "tcp")
        if proto not in ("tcp", "udp", "sctp"):
            self.fail(w, f"{raw!r}: unknown protocol {proto!r}")
            return None
        published = raw.get("published")
        host_port = None
        if published is not None:
            host_port = str(self.interpolate(str(published), w))
            if not PORT_RE.match(host_port):
                self.fail(w, f"{raw!r}: 'published' resolves to {host_port!r}, not a port")
                return None
        host_ip = raw.get("host_ip")
        if host_ip is not None:
            host_ip = self.interpolate(str(host_ip), w)
            try:
                ipaddress.ip_address(host_ip)
            except ValueError:
                self.fail(w, f"{raw!r}: host_ip {host_ip!r} is not an IP address")
                return None
        return host_ip, host_port, proto

    def check_volumes(self, where, svc, declared):
        used = set()
        vols = svc.get("volumes")
        if vols is None:
            return used
        w = f"{where}.volumes"
        if not isinstance(vols, list):
            self.fail(w, "must be a list")
            return used
        targets = set()
        for raw in vols:
            if isinstance(raw, dict):
                vtype = raw.get("type")
                source = raw.get("source")
                target = raw.get("target")
                if vtype not in ("volume", "bind", "tmpfs", "npipe", "cluster", "image"):
                    self.fail(w, f"{raw!r}: unknown or missing 'type'")
                    continue
                if vtype == "volume":
                    if not source:
                        self.fail(w, f"{raw!r}: anonymous volume; use a named volume")
                        continue
                    used.add(source)
                    if source not in declared:
                        self.fail(w, f"named volume {source!r} is not declared under top-level 'volumes'")
                elif vtype == "bind" and not source:
                    self.fail(w, f"{raw!r}: bind mount without 'source'")
            elif isinstance(raw, str):
                value = self.interpolate(raw, w)
                parts = value.split(":")
                if len(parts) == 1:
                    self.fail(w, f"{raw!r}: anonymous volume; use NAME:{parts[0]}")
                    continue
                if len(parts) > 3:
                    self.fail(w, f"{raw!r}: expected SOURCE:TARGET[:MODE]")
                    continue
                source, target = parts[0], parts[1]
                if len(parts) == 3 and not set(parts[2].split(",")) <= SERVICE_VOLUME_MODES:
                    self.fail(w, f"{raw!r}: unknown mode {parts[2]!r}")
                if source.startswith((".", "/", "~")):
                    pass  # bind mount of a path
                elif re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", source):
                    used.add(source)
                    if source not in declared:
                        self.fail(w, f"named volume {source!r} is not declared under top-level 'volumes'")
                else:
                    self.fail(w, f"{raw!r}: {source!r} is neither a volume name nor a path")
                    continue
            else:
                self.fail(w, f"malformed entry {raw!r}")
                continue
            if not isinstance(target, str) or not target.startswith("/"):
                self.fail(w, f"{raw!r}: the container path must be absolute")
            elif target in targets:
                self.fail(w, f"{target!r} is mounted twice")
            else:
                targets.add(target)
        return used

    def check_depends_on(self, where, svc, services):
        deps = svc.get("depends_on")
        if deps is None:
            return
        w = f"{where}.depends_on"
        if isinstance(deps, list):
            names = deps
        elif isinstance(deps, dict):
            names = list(deps)
            for dep, spec in deps.items():
                cond = spec.get("condition") if isinstance(spec, dict) else None
                if cond not in (None, "service_started", "service_healthy", "service_completed_successfully"):
                    self.fail(w, f"{dep}: unknown condition {cond!r}")
        else:
            self.fail(w, "must be a list or a mapping")
            return
        for dep in names:
            if dep not in services:
                self.fail(w, f"unknown service {dep!r}")
            elif dep == where.split(".", 1)[1]:
                self.fail(w, "a service cannot depend on itself")

    # ---- what the pipeline expects of the infrastructure ----------------

    def env_of(self, svc):
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
        return {k: self.interpolate(str(v), "environment", report=False) if v is not None else None for k, v in env.items()}

    def container_ports(self, svc):
        result = set()
        for raw in svc.get("ports") or []:
            if isinstance(raw, dict):
                result.add(str(raw.get("target")))
            else:
                value = self.interpolate(str(raw), "ports", report=False).split("/")[0]
                result.add(value.rsplit(":", 1)[-1])
        return result

    def healthcheck_text(self, svc):
        test = (svc.get("healthcheck") or {}).get("test")
        return " ".join(test) if isinstance(test, list) else str(test or "")

    def expect(self, cond, where, message):
        if not cond:
            self.fail(where, message)

    def check_project_expectations(self, services):
        kafka = services.get("kafka")
        if isinstance(kafka, dict):
            w = "services.kafka"
            image = str(self.interpolate(kafka.get("image", ""), w, report=False))
            m = re.match(r"^apache/kafka:(\d+)\.(\d+)", image)
            self.expect(m and int(m.group(1)) == 4 and int(m.group(2)) >= 1, w,
                        f"image must be apache/kafka 4.1 or later 4.x, got {image!r}")
            env = self.env_of(kafka)
            self.expect(env.get("KAFKA_PROCESS_ROLES", "").replace(" ", "") in ("broker,controller", "controller,broker"),
                        w, "KAFKA_PROCESS_ROLES must be 'broker,controller' (single KRaft node)")
            self.expect(str(env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "")).lower() == "false", w,
                        "KAFKA_AUTO_CREATE_TOPICS_ENABLE must be \"false\" (services create their topics)")
            for key in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"):
                self.expect(env.get(key) == "1", w, f"{key} must be \"1\" on a single node")
            advertised = env.get("KAFKA_ADVERTISED_LISTENERS", "")
            self.expect("://kafka:29092" in advertised, w, "must advertise kafka:29092 for containers")
            self.expect(re.search(r"://localhost:\d+", advertised or "") is not None, w,
                        "must advertise a localhost listener for the host")
            self.expect("9092" in self.container_ports(kafka), w, "must publish container port 9092 to the host")
        mysql = services.get("mysql")
        if isinstance(mysql, dict):
            w = "services.mysql"
            image = str(self.interpolate(mysql.get("image", ""), w, report=False))
            self.expect(image.startswith("mysql:8.4"), w, f"image must be mysql:8.4, got {image!r}")
            env = self.env_of(mysql)
            self.expect(env.get("MYSQL_DATABASE") == "xiaozhi", w, "MYSQL_DATABASE must be 'xiaozhi'")
            self.expect(env.get("MYSQL_USER") == "xiaozhi", w, "MYSQL_USER must be 'xiaozhi'")
            self.expect(bool(env.get("MYSQL_PASSWORD")), w, "MYSQL_PASSWORD must be set")
            self.expect(bool(env.get("MYSQL_ROOT_PASSWORD")), w, "MYSQL_ROOT_PASSWORD must be set")
            self.expect("utf8mb4" in " ".join(map(str, mysql.get("command") or [])), w,
                        "the server character set must be utf8mb4")
            self.expect("mysqladmin ping" in self.healthcheck_text(mysql), w, "healthcheck must use mysqladmin ping")
            self.expect("3306" in self.container_ports(mysql), w, "must publish container port 3306")
        redis = services.get("redis")
        if isinstance(redis, dict):
            w = "services.redis"
            image = str(self.interpolate(redis.get("image", ""), w, report=False))
            self.expect(image.startswith("redis:7.4"), w, f"image must be redis:7.4-*, got {image!r}")
            self.expect("redis-cli ping" in self.healthcheck_text(redis), w, "healthcheck must use redis-cli ping")
            self.expect("6379" in self.container_ports(redis), w, "must publish container port 6379")

    def report(self, doc):
        if self.problems:
            print(f"check-compose: FAILED: {len(self.problems)} problem(s) in {self.path}", file=sys.stderr)
            for p in dict.fromkeys(self.problems):
                print(f"  - {p}", file=sys.stderr)
            return 1
        names = ", ".join(doc["services"])
        print(f"check-compose: OK ({len(doc['services'])} services: {names})")
        return 0


def merge_mappings(base, override):
    """Compose's merge of one service defined in two files, for the keys used here: mappings merge
    key by key, everything else (lists included) is replaced."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_mappings(result[key], value)
        else:
            result[key] = value
    return result


def config_variables(paths):
    """XIAOZHI_* variable -> key path for every key of the built-in configuration files, by the rule
    of common's EnvironmentOverrides: XIAOZHI_ + the key path in upper case, '.' written as '_'.
    Map-valued keys (an empty mapping in the defaults, e.g. kafka.producer) are set in files only."""
    variables = {}
    tree = {}

    def walk(node, path, into):
        for key, value in node.items():
            full = f"{path}.{key}" if path else str(key)
            if isinstance(value, dict) and value:
                walk(value, full, into.setdefault(key, {}))
            elif isinstance(value, dict):
                into[key] = "map"
            else:
                into[key] = "leaf"
                variables["XIAOZHI_" + full.replace(".", "_").upper()] = full

    for path in paths:
        with open(path, encoding="utf-8") as f:
            walk(yaml.safe_load(f) or {}, "", tree.setdefault(os.path.basename(path), {}))
    return variables, tree


class AppChecks:
    """Checks of the application services, those built from the project (a "build" key)."""

    WORKER_SUFFIX = "WorkerMain"
    EXTRA_ENV = {"JAVA_TOOL_OPTIONS", "TZ", "XIAOZHI_DATA_DIR"}
    INFRA = ("kafka", "mysql", "redis")
    JAVA_SOURCE_ROOT = os.path.join("src", "main", "java")
    METER_RE = re.compile(r'"(xiaozhi\.[a-z0-9_.]+)"')
    PROM_SUFFIXES = ("_seconds_bucket", "_seconds_count", "_seconds_sum", "_seconds_max", "_seconds",
                     "_total", "_bucket", "_count", "_sum", "_max")

    def __init__(self, checker, doc):
        self.c = checker
        self.doc = doc
        self.services = doc["services"]
        self.repo = os.path.dirname(self.c.base_dir)
        resources = os.path.join(self.repo, "common", "src", "main", "resources")
        self.config_files = [os.path.join(resources, "config.yaml"), os.path.join(resources, "performance.yaml")]
        self.variables, self.key_tree = config_variables(self.config_files)
        self.checked_dockerfiles = set()
        self.dockerfile_text = ""

    def fail(self, where, message):
        self.c.fail(where, message)

    def run(self):
        apps = {n: s for n, s in self.services.items() if isinstance(s, dict) and "build" in s}
        for name, svc in apps.items():
            where = f"services.{name}"
            main_class = self.check_build_and_command(where, svc)
            env = self.check_app_environment(where, svc)
            self.check_app_healthcheck(where, svc, main_class, env)
            self.check_app_depends_on(where, svc)
            if main_class and main_class.endswith(self.WORKER_SUFFIX):
                self.check_scalable(where, svc)
        self.check_data_files(apps)
        self.check_prometheus(apps)
        self.check_grafana()

    # ---- build, command ------------------------------------------------

    def check_build_and_command(self, where, svc):
        build = svc.get("build")
        if isinstance(build, str):
            build = {"context": build}
        if not isinstance(build, dict) or not isinstance(build.get("context"), str):
            self.fail(f"{where}.build", "must be a path or a mapping with 'context'")
            return None
        context = os.path.normpath(os.path.join(self.c.base_dir, build["context"]))
        if not os.path.isdir(context):
            self.fail(f"{where}.build", f"context {build['context']!r} is not a directory")
            return None
        dockerfile = os.path.join(context, build.get("dockerfile", "Dockerfile"))
        if not os.path.isfile(dockerfile):
            self.fail(f"{where}.build", f"Dockerfile {build.get('dockerfile', 'Dockerfile')!r} does not exist in the context")
            return None
        if dockerfile not in self.checked_dockerfiles:
            self.checked_dockerfiles.add(dockerfile)
            self.check_dockerfile(f"{where}.build", dockerfile, context)
        command = svc.get("command")
        if not isinstance(command, list) or not command or not all(isinstance(a, str) for a in command):
            self.fail(f"{where}.command", "must be a list: the main class, then its arguments")
            return None
        main_class = command[0]
        if not re.match(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.[A-Z][A-Za-z0-9_]*$", main_class):
            self.fail(f"{where}.command", f"{main_class!r} is not a fully qualified class name")
            return None
        rel = os.path.join(self.JAVA_SOURCE_ROOT, *main_class.split(".")) + ".java"
        found = [m for m in sorted(os.listdir(self.repo)) if os.path.isfile(os.path.join(self.repo, m, rel))]
        if len(found) != 1:
            self.fail(f"{where}.command", f"main class {main_class} has {len(found)} sources (<module>/{rel}); expected 1")
            return None
        with open(os.path.join(self.repo, found[0], rel), encoding="utf-8") as f:
            if not re.search(r"public\s+static\s+void\s+main\s*\(\s*String\s*(\[\]\s*\w+|\.\.\.\s*\w+|\w+\s*\[\])", f.read()):
                self.fail(f"{where}.command", f"{main_class} has no 'public static void main(String[] args)'")
        if "--data-dir" in command:
            i = command.index("--data-dir")
            if i + 1 >= len(command) or not command[i + 1].startswith("/"):
                self.fail(f"{where}.command", "--data-dir needs an absolute container path")
        return main_class

    def check_dockerfile(self, where, path, context):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
        if len(stages) < 2:
            self.fail(where, f"{path}: expected a multi-stage build (build, then runtime), found {len(stages)} FROM")
            return
        for image in stages:
            tag = image.rsplit("/", 1)[-1]
            if ":" not in tag or tag.endswith(":latest"):
                self.fail(where, f"{path}: base image {image!r} is not pinned to a tag")
        users = re.findall(r"^USER\s+(\S+)", text, re.M)
        if not users or users[-1] in ("root", "0"):
            self.fail(where, f"{path}: the runtime stage must switch to a non-root USER")
        if not re.search(r"^ENTRYPOINT\s+\[", text, re.M):
            self.fail(where, f"{path}: needs an exec-form ENTRYPOINT (java as PID 1 gets SIGTERM)")
        for src in re.findall(r"^COPY\s+(?!--from)(?:--\S+\s+)*(\S+)\s+\S+\s*$", text, re.M):
            if not os.path.exists(os.path.join(context, src)):
                self.fail(where, f"{path}: COPY source {src!r} does not exist in the build context")
        pom = os.path.join(self.repo, "pom.xml")
        if os.path.isfile(pom):
            with open(pom, encoding="utf-8") as f:
                modules = re.findall(r"<module>([^<]+)</module>", f.read())
            for module in modules:
                if f"{module}/pom.xml" not in text:
                    self.fail(where, f"{path}: the reactor needs {module}/pom.xml (a <module> of the root pom) "
                              "but the Dockerfile does not copy it")
        self.dockerfile_text = text

    # ---- environment -----------------------------------------------------

    def check_app_environment(self, where, svc):
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
        if not isinstance(env, dict):
            return {}
        resolved = {}
        for name, value in env.items():
            w = f"{where}.environment.{name}"
            if name.startswith("XIAOZHI_"):
                if name not in self.variables and name not in self.EXTRA_ENV:
                    close = [v for v in self.variables if v.split("_")[1:3] == name.split("_")[1:3]]
                    hint = f" (keys of that section: {', '.join(sorted(close))})" if close else ""
                    self.fail(w, f"names no configuration key of config.yaml or performance.yaml{hint}; "
                              "the service would refuse to start")
            elif name not in self.EXTRA_ENV:
                self.fail(w, f"is neither a XIAOZHI_* configuration variable nor one of {sorted(self.EXTRA_ENV)}")
            resolved[name] = None if value is None else str(self.c.interpolate(str(value), w, report=False))
        kind = resolved.get("XIAOZHI_DATABASE_KIND")
        if kind == "mysql" and not (resolved.get("XIAOZHI_DATABASE_URL") or "").startswith("jdbc:mariadb://mysql:3306/"):
            self.fail(f"{where}.environment", "database.kind mysql needs XIAOZHI_DATABASE_URL jdbc:mariadb://mysql:3306/...")
        if resolved.get("XIAOZHI_REDIS_KIND") == "redis" and not (resolved.get("XIAOZHI_REDIS_URL") or "").startswith("redis://redis:6379"):
            self.fail(f"{where}.environment", "redis.kind redis needs XIAOZHI_REDIS_URL redis://redis:6379/...")
        if resolved.get("XIAOZHI_KAFKA_BOOTSTRAP_SERVERS") != "kafka:29092":
            self.fail(f"{where}.environment", "XIAOZHI_KAFKA_BOOTSTRAP_SERVERS must be kafka:29092 (the compose network's listener)")
        if "-Xmx" not in (resolved.get("JAVA_TOOL_OPTIONS") or ""):
            self.fail(f"{where}.environment", "JAVA_TOOL_OPTIONS must set the heap (-Xmx)")
        return resolved

    # ---- health, dependencies, scaling -------------------------------------

    def service_port(self, main_class, env):
        """The port where the service answers /health, and the key it comes from."""
        if main_class is None:
            return None, None
        if main_class.endswith(".GatewayMain"):
            key = "server.http_port"
        elif main_class.endswith(".MonitorMain"):
            key = "monitor.port"
        else:
            key = "metrics.port"
        variable = "XIAOZHI_" + key.replace(".", "_").upper()
        if env.get(variable):
            return env[variable], key
        section, leaf = key.split(".")
        with open(self.config_files[0], encoding="utf-8") as f:
            return str(yaml.safe_load(f)[section][leaf]), key

    def check_app_healthcheck(self, where, svc, main_class, env):
        port, key = self.service_port(main_class, env)
        if port is None:
            return
        if port == "0":
            self.fail(f"{where}.environment", f"{key} is 0 (any free port): the healthcheck and Prometheus need a fixed one")
        text = self.c.healthcheck_text(svc)
        if not re.search(rf"https?://(127\.0\.0\.1|localhost):{re.escape(port)}/health\b", text):
            self.fail(f"{where}.healthcheck", f"must GET http://127.0.0.1:{port}/health ({key})")
        tool = text.split()[1] if text.startswith("CMD ") and len(text.split()) > 1 else None
        if tool and tool not in ("java",) and tool not in self.dockerfile_text:
            self.fail(f"{where}.healthcheck", f"uses {tool!r}, which the Dockerfile does not install")

    def check_app_depends_on(self, where, svc):
        deps = svc.get("depends_on")
        for infra in self.INFRA:
            spec = deps.get(infra) if isinstance(deps, dict) else None
            if not isinstance(spec, dict) or spec.get("condition") != "service_healthy":
                self.fail(f"{where}.depends_on", f"must wait for {infra} with condition: service_healthy")

    def check_scalable(self, where, svc):
        if "container_name" in svc:
            self.fail(where, "a scalable worker must not have a container_name (--scale needs distinct names)")
        if "hostname" in svc:
            self.fail(where, "a scalable worker must not have a fixed hostname")
        for raw in svc.get("ports") or []:
            if isinstance(raw, dict):
                if raw.get("published") is not None:
                    self.fail(f"{where}.ports", "a scalable worker must not publish a host port")
            else:
                value = self.c.interpolate(str(raw), f"{where}.ports", report=False)
                if ":" in value.split("/")[0]:
                    self.fail(f"{where}.ports", f"{raw!r}: a scalable worker must not publish a host port")
        deploy = svc.get("deploy") or {}
        if isinstance(deploy, dict) and deploy.get("replicas") not in (None,) and not isinstance(deploy.get("replicas"), int):
            self.fail(f"{where}.deploy", "replicas must be a number")

    # ---- data files ----------------------------------------------------------

    def check_data_files(self, apps):
        """The configuration files mounted into the services parse, and name known keys only."""
        trees = {"/app/data/.config.yaml": self.key_tree["config.yaml"],
                 "/app/data/.performance.yaml": self.key_tree["performance.yaml"]}
        seen = set()
        for name, svc in apps.items():
            for raw in svc.get("volumes") or []:
                if not isinstance(raw, str):
                    continue
                parts = raw.split(":")
                if len(parts) < 2 or not parts[0].startswith(".") or parts[1] not in trees:
                    continue
                source = os.path.join(self.c.base_dir, parts[0])
                if source in seen or not os.path.isfile(source):
                    continue
                seen.add(source)
                where = os.path.relpath(source, self.repo)
                try:
                    with open(source, encoding="utf-8") as f:
                        data = yaml.safe_load(f)
                except yaml.YAMLError as e:
                    self.fail(where, f"is not valid YAML: {e}")
                    continue
                if data is None:
                    continue
                if not isinstance(data, dict):
                    self.fail(where, "top level must be a mapping")
                    continue
                self.check_keys(where, data, trees[parts[1]], "")

    def check_keys(self, where, data, tree, path):
        for key, value in data.items():
            full = f"{path}.{key}" if path else str(key)
            known = tree.get(key)
            if known is None:
                self.fail(where, f"{full} is not a configuration key")
            elif isinstance(known, dict):
                if not isinstance(value, dict):
                    self.fail(where, f"{full} must be a mapping")
                else:
                    self.check_keys(where, value, known, full)
            elif known == "leaf" and isinstance(value, dict):
                self.fail(where, f"{full} is a value, not a mapping")

    # ---- Prometheus and Grafana ---------------------------------------------------

    def mounted_file(self, service, target):
        svc = self.services.get(service)
        if not isinstance(svc, dict):
            self.fail("services", f"{service!r} is missing")
            return None
        for raw in svc.get("volumes") or []:
            if isinstance(raw, str) and raw.split(":")[1:2] == [target]:
                return os.path.join(self.c.base_dir, raw.split(":")[0])
        self.fail(f"services.{service}.volumes", f"mounts nothing at {target}")
        return None

    def check_prometheus(self, apps):
        path = self.mounted_file("prometheus", "/etc/prometheus/prometheus.yml")
        if not path or not os.path.isfile(path):
            return
        where = os.path.relpath(path, self.repo)
        try:
            with open(path, encoding="utf-8") as f:
                prom = yaml.safe_load(f)
        except yaml.YAMLError as e:
            self.fail(where, f"is not valid YAML: {e}")
            return
        scraped = {}
        jobs = set()
        for job in (prom or {}).get("scrape_configs") or []:
            name = job.get("job_name")
            if name in jobs:
                self.fail(where, f"job_name {name!r} appears twice")
            jobs.add(name)
            for static in job.get("static_configs") or []:
                for target in static.get("targets") or []:
                    host, _, port = str(target).partition(":")
                    scraped[host] = (port, job.get("metrics_path", "/metrics"), "static", name)
            for dns in job.get("dns_sd_configs") or []:
                if dns.get("type", "SRV") != "A" or not isinstance(dns.get("port"), int):
                    self.fail(where, f"job {name}: dns_sd_configs on compose service names need type A and a port")
                for host in dns.get("names") or []:
                    scraped[host] = (str(dns.get("port")), job.get("metrics_path", "/metrics"), "dns", name)
        for host in scraped:
            if host not in self.services and host != "localhost":
                self.fail(where, f"scrapes {host!r}, which is not a compose service")
        for name, svc in apps.items():
            command = svc.get("command") or [None]
            env = {k: str(v) for k, v in (svc.get("environment") or {}).items()} if isinstance(svc.get("environment"), dict) else {}
            port, key = self.service_port(command[0], env)
            if name not in scraped:
                self.fail(where, f"does not scrape the service {name!r}")
                continue
            got_port, metrics_path, how, job = scraped[name]
            if got_port != port:
                self.fail(where, f"job {job}: scrapes {name} on port {got_port}, but it serves /metrics on {port} ({key})")
            if metrics_path != "/metrics":
                self.fail(where, f"job {job}: metrics_path must be /metrics")
            if str(command[0]).endswith(self.WORKER_SUFFIX) and how != "dns":
                self.fail(where, f"job {job}: a scalable worker must be found with dns_sd_configs (every replica)")

    def check_grafana(self):
        svc = self.services.get("grafana")
        if not isinstance(svc, dict):
            self.fail("services", "'grafana' is missing")
            return
        provisioning = self.mounted_file("grafana", "/etc/grafana/provisioning")
        dashboards_dir = self.mounted_file("grafana", "/var/lib/grafana/dashboards")
        if not provisioning or not dashboards_dir:
            return
        uids = set()
        dashboard_paths = set()
        for sub in ("datasources", "dashboards"):
            folder = os.path.join(provisioning, sub)
            files = sorted(f for f in os.listdir(folder) if f.endswith((".yml", ".yaml"))) if os.path.isdir(folder) else []
            if not files:
                self.fail(os.path.relpath(folder, self.repo), "holds no provisioning file")
            for file in files:
                where = os.path.relpath(os.path.join(folder, file), self.repo)
                try:
                    with open(os.path.join(folder, file), encoding="utf-8") as f:
                        data = yaml.safe_load(f)
                except yaml.YAMLError as e:
                    self.fail(where, f"is not valid YAML: {e}")
                    continue
                if not isinstance(data, dict) or data.get("apiVersion") != 1:
                    self.fail(where, "must be a mapping with apiVersion: 1")
                    continue
                for ds in data.get("datasources") or []:
                    uids.add(ds.get("uid"))
                    if ds.get("type") == "prometheus" and not str(ds.get("url", "")).startswith("http://prometheus:9090"):
                        self.fail(where, f"data source {ds.get('name')}: url must be http://prometheus:9090")
                for provider in data.get("providers") or []:
                    dashboard_paths.add((provider.get("options") or {}).get("path"))
        if "/var/lib/grafana/dashboards" not in dashboard_paths:
            self.fail("grafana provisioning", "no dashboard provider reads /var/lib/grafana/dashboards")
        meters = self.meter_names()
        files = sorted(f for f in os.listdir(dashboards_dir) if f.endswith(".json")) if os.path.isdir(dashboards_dir) else []
        if not files:
            self.fail(os.path.relpath(dashboards_dir, self.repo), "holds no dashboard JSON")
        for file in files:
            where = os.path.relpath(os.path.join(dashboards_dir, file), self.repo)
            try:
                with open(os.path.join(dashboards_dir, file), encoding="utf-8") as f:
                    dashboard = json.load(f)
            except ValueError as e:
                self.fail(where, f"is not valid JSON: {e}")
                continue
            if not dashboard.get("uid") or not isinstance(dashboard.get("panels"), list):
                self.fail(where, "a dashboard needs a uid and panels")
                continue
            ids = set()
            for panel in dashboard["panels"]:
                if panel.get("id") in ids:
                    self.fail(where, f"panel id {panel.get('id')} appears twice")
                ids.add(panel.get("id"))
                for target in panel.get("targets") or []:
                    uid = (target.get("datasource") or panel.get("datasource") or {}).get("uid")
                    if uid not in uids:
                        self.fail(where, f"panel {panel.get('title')!r}: data source uid {uid!r} is not provisioned")
                    for metric in re.findall(r"\b(xiaozhi_[a-z0-9_]+)", target.get("expr", "")):
                        if not self.known_metric(metric, meters):
                            self.fail(where, f"panel {panel.get('title')!r}: {metric} matches no meter in the code "
                                      "(Micrometer's Prometheus names: '.' -> '_', counters _total, timers _seconds_*)")

    def meter_names(self):
        """Names in Prometheus form of every "xiaozhi.*" string literal in the main Java sources."""
        names = set()
        for module in os.listdir(self.repo):
            root = os.path.join(self.repo, module, self.JAVA_SOURCE_ROOT)
            for dirpath, _, files in os.walk(root):
                for file in files:
                    if file.endswith(".java"):
                        with open(os.path.join(dirpath, file), encoding="utf-8") as f:
                            names.update(m.replace(".", "_") for m in self.METER_RE.findall(f.read()))
        return names

    def known_metric(self, metric, meters):
        if metric in meters:
            return True
        return any(metric.endswith(s) and metric[: -len(s)] in meters for s in self.PROM_SUFFIXES)


def main(argv):
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) > 1:
        return Checker(argv[1:]).run()
    here = os.path.dirname(os.path.abspath(__file__))
    base = os.path.join(here, "docker-compose.yml")
    services = os.path.join(here, "docker-compose.services.yml")
    return max(Checker([base]).run(), Checker([base, services]).run())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
