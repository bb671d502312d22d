#!/usr/bin/env python3
"""Static checks of infra/docker-compose.yml (no Docker needed).

Usage: python3 infra/check-compose.py [path/to/docker-compose.yml]

Checks that the file parses, that every service has a pinned image and a
usable healthcheck, that ports and volumes are well formed (after resolving
${VAR:-default} with the defaults), that named volumes are declared, and a few
expectations of the pipeline on the kafka, mysql and redis services.

Exits 0 and prints "check-compose: OK ..." when all checks pass; otherwise
prints every problem found and exits 1 (2 for usage or unreadable input).
Needs only Python 3 and PyYAML.
"""

import ipaddress
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
    def __init__(self, path):
        self.path = path
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

    def run(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
        except OSError as e:
            print(f"check-compose: FAILED: cannot read {self.path}: {e}", file=sys.stderr)
            return 2
        except yaml.YAMLError as e:
            print(f"check-compose: FAILED: {self.path} is not valid YAML: {e}", file=sys.stderr)
            return 1

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
        return self.report(doc)

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


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "docker-compose.yml")
    path = argv[1] if len(argv) == 2 else default
    return Checker(path).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
