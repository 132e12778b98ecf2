"""Helpers the process tests share: a free loopback port, waiting for a condition, and
starting the fake internet (its ports come from the line it prints when ready)."""
import os
import re
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def start_fakenet(fakenet, sites, tmp):
    """Starts leadscan-fakenet on loopback; returns (process, (http_port, https_port)). The
    test CA is written to tmp/ca.pem."""
    out = open(os.path.join(tmp, "fakenet.out"), "w+")
    p = subprocess.Popen([fakenet, "--sites", sites, "--ca-out", os.path.join(tmp, "ca.pem")],
                         stdout=out, stderr=subprocess.DEVNULL)

    def ready():
        out.seek(0)
        m = re.search(r"http=127\.0\.0\.1:(\d+) https=127\.0\.0\.1:(\d+)", out.read())
        return m and (int(m.group(1)), int(m.group(2)))
    return p, wait_for(ready, 20, "fakenet")
