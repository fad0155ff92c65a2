"""The remote cache level (PT2TS_REMOTE_CACHE) against real servers started
on loopback ports: nginx with WebDAV PUT (http://) and redis-server
(redis://). A remote hit is byte-identical and fills the local cache; a
remote that is down, refuses, stalls or returns garbage never fails a
conversion (one warning); read-only mode never uploads."""

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from pt2ts_testing import Pt2tsTestCase, fixture, read_bytes, run_pt2ts

NET = fixture("models", "multi", "net.py")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
REDIS = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)


# Servers are started on ports the kernel just reported free; another test
# (ctest -j) may take such a port first. The server's bind then fails, which
# it reports; start-up is retried on new ports, up to this many times.
START_ATTEMPTS = 10
START_DEADLINE = 120  # seconds for a server to be listening, on a loaded machine
ADDRESS_IN_USE = "Address already in use"


def unused_port():
    """A port nothing listened on a moment ago (a server asked to bind it
    may find it taken: see START_ATTEMPTS)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def closed_port():
    """(socket, port): a bound socket that never listens, so connections to
    its port are refused for as long as the socket stays open (no other
    process can bind the port meanwhile)."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    return holder, holder.getsockname()[1]


class PortTaken(Exception):
    """The server could not bind its port: someone else has it."""


NGINX_CONF = """
{user}
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  client_max_body_size 0;
  server {{
    listen 127.0.0.1:{store_port};
    root {prefix}/store;
    location / {{ dav_methods PUT DELETE; create_full_put_path on; }}
  }}
  server {{
    listen 127.0.0.1:{refusing_port};
    location / {{ return 403; }}
  }}
  server {{
    listen 127.0.0.1:{garbage_port};
    location / {{ return 200 "garbage, not a manifest"; }}
  }}
}}
"""


class Servers:
    """nginx (a DAV store, a server refusing everything, one answering
    garbage), redis-server and a socket that accepts but never answers;
    stopped by the class cleanup, also when a test fails."""

    def __init__(self, testcase_class, folder):
        self.processes = []
        testcase_class.addClassCleanup(self.stop)
        self.folder = folder
        self.store = os.path.join(folder, "store")
        os.makedirs(self.store)
        self.retry_on_taken_port(self.start_nginx)
        self.retry_on_taken_port(self.start_redis)
        # Accepts connections (the kernel's backlog) and never answers.
        self.silent = socket.socket()
        self.silent.bind(("127.0.0.1", 0))
        self.silent.listen(16)
        self.silent_port = self.silent.getsockname()[1]
        # Refuses connections: a remote that is down.
        self.closed, self.closed_port = closed_port()

    @staticmethod
    def retry_on_taken_port(start):
        reports = []
        for _ in range(START_ATTEMPTS):
            try:
                return start()
            except PortTaken as taken:
                reports.append(str(taken))
        raise AssertionError("every port tried was taken:\n" + "\n".join(reports))

    def popen(self, command, **kwargs):
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, **kwargs)
        self.processes.append(process)
        return process

    def start_nginx(self):
        """nginx on three new ports. It creates its pid file once it has
        bound every listening socket; it exits, saying so, when a bind fails."""
        self.store_port, self.refusing_port, self.garbage_port = (
            unused_port(), unused_port(), unused_port())
        conf = os.path.join(self.folder, "nginx.conf")
        pid_file = os.path.join(self.folder, "nginx.pid")
        if os.path.exists(pid_file):
            os.remove(pid_file)
        with open(conf, "w") as file:
            file.write(NGINX_CONF.format(user="user root;" if os.geteuid() == 0 else "",
                                         prefix=self.folder, store_port=self.store_port,
                                         refusing_port=self.refusing_port,
                                         garbage_port=self.garbage_port))
        errors = os.path.join(self.folder, "nginx.stderr")
        with open(errors, "w") as stderr:
            process = self.popen([NGINX, "-c", conf, "-p", self.folder],
                                 stdout=subprocess.DEVNULL, stderr=stderr)

        def pid_file_written():
            try:
                with open(pid_file) as file:
                    return file.read().strip() == str(process.pid)
            except OSError:
                return False

        deadline = time.monotonic() + START_DEADLINE
        while not pid_file_written():
            if process.poll() is not None:
                with open(errors) as file:
                    message = file.read()
                if ADDRESS_IN_USE in message:
                    raise PortTaken("nginx: " + message.strip())
                raise AssertionError("nginx exited with %s:\n%s" % (process.returncode, message))
            if time.monotonic() > deadline:
                raise AssertionError("nginx wrote no pid file in %d s" % START_DEADLINE)
            time.sleep(0.01)

    def start_redis(self):
        """redis-server on a new port, logging to its stdout: 'Ready to
        accept connections' once it listens; on a failed bind it says so and
        exits."""
        self.redis_port = unused_port()
        process = self.popen([REDIS, "--port", str(self.redis_port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", self.folder,
                              "--logfile", ""],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        log = []
        timer = threading.Timer(START_DEADLINE, process.kill)  # a start-up that hangs
        timer.start()
        try:
            for line in process.stdout:
                log.append(line)
                if "Ready to accept connections" in line:
                    break
        finally:
            timer.cancel()
        if log and "Ready to accept connections" in log[-1]:
            # Keep draining its log, so that redis never blocks on a full pipe.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return
        process.wait()
        if any(ADDRESS_IN_USE in line for line in log):
            raise PortTaken("redis-server: " + "".join(log[-3:]).strip())
        raise AssertionError("redis-server did not start (exit %s):\n%s"
                             % (process.returncode, "".join(log)))

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()
        for holder in ("silent", "closed"):
            if hasattr(self, holder):
                getattr(self, holder).close()

    def http(self, port=None):
        return "http://127.0.0.1:%d/pt2ts" % (port or self.store_port)

    def redis(self):
        return "redis://127.0.0.1:%d" % self.redis_port


@unittest.skipUnless(NGINX and REDIS, "needs nginx-core and redis-server (see README)")
class RemoteCacheTest(Pt2tsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.servers = Servers(cls, cls.class_folder("pt2ts-remote-"))
        probe = run_pt2ts("cache", "stats", "--cache-dir", tempfile.gettempdir())
        if probe.returncode != 0:
            raise AssertionError("pt2ts cache stats failed:\n" + probe.stderr)

    def convert_with(self, remote, local, name, *extra, env_extra=None, timeout=300):
        env = dict(os.environ, PT2TS_REMOTE_CACHE=remote)
        env.pop("PT2TS_REMOTE_CACHE_READONLY", None)
        env.update(env_extra or {})
        output = self.path(name, "net.pt")
        result = self.convert(NET, "SmallCNN", "--kwargs", "depth", "1", "channels", "4",
                              "-s", output, "--cache-dir", self.path(local), "-v", *extra, env=env,
                              timeout=timeout)
        return result, output

    def warnings(self, result):
        return [l for l in result.stderr.splitlines() if l.startswith("pt2ts: warning:")]

    def round_trip(self, remote, tag):
        cold, first = self.convert_with(remote, "local1", "cold", "--kwargs", "num_classes", tag)
        self.assertIn("cache miss", cold.stderr)
        self.assertEqual(self.warnings(cold), [])
        # Another machine: an empty local cache, the same remote.
        warm, second = self.convert_with(remote, "local2", "warm", "--kwargs", "num_classes", tag)
        self.assertIn("cache hit (remote)", warm.stderr, warm.stderr)
        self.assertNotIn("started Python", warm.stderr)
        self.assertEqual(read_bytes(first), read_bytes(second))
        # The remote hit filled the local cache.
        again, _ = self.convert_with(remote, "local2", "again", "--kwargs", "num_classes", tag)
        self.assertIn("cache hit (local)", again.stderr)

    def test_http_round_trip(self):
        self.round_trip(self.servers.http(), "5")
        self.assertTrue(any(files for _, _, files in os.walk(self.servers.store)))

    def test_redis_round_trip(self):
        self.round_trip(self.servers.redis(), "6")

    def test_broken_remotes_never_fail_a_conversion(self):
        for remote in ("http://127.0.0.1:%d/x" % self.servers.closed_port,  # down
                       self.servers.http(self.servers.refusing_port),  # 403
                       self.servers.http(self.servers.garbage_port),   # garbage
                       "http://127.0.0.1:%d/x" % self.servers.silent_port,  # stalls
                       "redis://127.0.0.1:%d" % self.servers.silent_port):
            # A deadline, generous for a loaded machine, that a conversion
            # waiting on a stalled remote without its own time-out misses.
            result, output = self.convert_with(remote, "local-" + str(abs(hash(remote))),
                                               str(abs(hash(remote))), timeout=120)
            self.assertEqual(len(self.warnings(result)), 1, remote + "\n" + result.stderr)
            self.assertIn("remote", self.warnings(result)[0])
            self.assertTrue(os.path.exists(output))

    def test_read_only_remote(self):
        store_before = sorted(f for _, _, files in os.walk(self.servers.store) for f in files)
        result, _ = self.convert_with(self.servers.http(), "ro", "ro", "--kwargs", "num_classes",
                                      "7", env_extra={"PT2TS_REMOTE_CACHE_READONLY": "1"})
        self.assertIn("cache miss", result.stderr)
        self.assertEqual(self.warnings(result), [])
        store_after = sorted(f for _, _, files in os.walk(self.servers.store) for f in files)
        self.assertEqual(store_after, store_before)

    def test_broken_remote_entry_is_a_miss(self):
        cold, first = self.convert_with(self.servers.http(), "b1", "b1", "--kwargs",
                                        "num_classes", "8")
        entries = [os.path.join(root, f) for root, _, files in os.walk(self.servers.store)
                   for f in files if f.endswith("-entry")]
        newest = max(entries, key=os.path.getmtime)
        with open(newest, "r+b") as file:
            file.seek(-50, os.SEEK_END)
            file.write(b"\0" * 10)
        result, second = self.convert_with(self.servers.http(), "b2", "b2", "--kwargs",
                                           "num_classes", "8")
        self.assertEqual(len(self.warnings(result)), 1, result.stderr)
        self.assertIn("cache miss", result.stderr)
        self.assertEqual(read_bytes(first), read_bytes(second))


if __name__ == "__main__":
    unittest.main()
