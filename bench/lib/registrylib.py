"""Shared by bench/registry-throughput and bench/pull-push: a test image as an OCI layout, registries
on fresh roots (berth-registry or distribution 2.8), RSS sampling and timing."""
import gzip
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BERTH_REGISTRY = os.path.join(REPO, "out", "berth-registry")
DISTRIBUTION = "/usr/bin/docker-registry"
SKOPEO = "/usr/bin/skopeo"
CURL = "/usr/bin/curl"
MIB = 1024 * 1024


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def write_blob(blobs, data=None, path=None):
    """Stores bytes (or moves a file) under blobs/sha256/<hex>; returns (digest, size)."""
    h = hashlib.sha256()
    if path is None:
        h.update(data)
        digest = h.hexdigest()
        with open(os.path.join(blobs, digest), "wb") as f:
            f.write(data)
        return "sha256:" + digest, len(data)
    digest = file_digest(path)[7:]
    size = os.path.getsize(path)
    os.replace(path, os.path.join(blobs, digest))
    return "sha256:" + digest, size


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MIB):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def make_image(layout, size_mb, layers, compress=False):
    """An OCI layout with `layers` tar layers of random data (registries never look inside); with
    `compress`, gzip level 1 layers (what daemons pull and unpack: random data does not shrink)."""
    blobs = os.path.join(layout, "blobs", "sha256")
    os.makedirs(blobs)
    per_layer = size_mb * MIB // layers
    descriptors, diff_ids = [], []
    for i in range(layers):
        payload = os.path.join(layout, f"payload-{i}")
        with open(payload, "wb") as f:
            left = per_layer
            while left > 0:
                n = min(left, 8 * MIB)
                f.write(os.urandom(n))
                left -= n
        tar_path = os.path.join(layout, f"layer-{i}.tar")
        with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(payload, arcname=f"data/layer-{i}.bin")
        os.remove(payload)
        media_type = "application/vnd.oci.image.layer.v1.tar"
        if compress:
            diff_ids.append(file_digest(tar_path))
            with open(tar_path, "rb") as src, gzip.open(tar_path + ".gz", "wb", compresslevel=1) as dst:
                shutil.copyfileobj(src, dst, 4 * MIB)
            os.remove(tar_path)
            tar_path += ".gz"
            media_type += "+gzip"
        digest, size = write_blob(blobs, path=tar_path)
        if not compress:
            diff_ids.append(digest)
        descriptors.append({"mediaType": media_type, "digest": digest, "size": size})
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    cdigest, csize = write_blob(blobs, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": csize},
                           "layers": descriptors}).encode()
    mdigest, msize = write_blob(blobs, manifest)
    index = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest,
                                                "size": msize, "annotations": {"org.opencontainers.image.ref.name": "bench"}}]}
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    return sum(d["size"] for d in descriptors) + csize + msize


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


class Registry:
    """One registry process on a fresh root; stop() ends it by PID and removes the root."""

    def __init__(self, kind, workdir):
        self.kind = kind
        self.root = tempfile.mkdtemp(prefix=f"{kind}-", dir=workdir)
        self.port = free_port()
        storage = os.path.join(self.root, "storage")
        logf = open(os.path.join(self.root, "registry.log"), "w")
        if kind == "berth":
            argv = [BERTH_REGISTRY, "serve", "--addr", f"127.0.0.1:{self.port}", "--root", storage]
        else:
            config = os.path.join(self.root, "config.yml")
            with open(config, "w") as f:
                f.write(f"version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
                        f"storage:\n  filesystem:\n    rootdirectory: {storage}\nhttp:\n  addr: 127.0.0.1:{self.port}\n")
            argv = [DISTRIBUTION, "serve", config]
        self.proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        for _ in range(200):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{kind} exited: " + open(os.path.join(self.root, "registry.log")).read()[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{kind} did not listen on {self.port}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.done = pid, [], threading.Event()

    def run(self):
        while not self.done.is_set():
            self.samples.append(rss_kib(self.pid))
            time.sleep(0.02)


def timed(argv):
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {p.stdout.decode(errors='replace')[-2000:]}")
    return dt
