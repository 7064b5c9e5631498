#!/usr/bin/env python3
"""Builds a git repository whose history is every release of an npm package, one commit per
release, from `npm pack` tarballs: `build-history-repo.py TARBALL_DIR VERSIONS_FILE REPO`.

Streams into `git fast-import` (no work tree churn); a blob already sent is referenced by id.
"""

import hashlib
import io
import os
import subprocess
import sys
import tarfile


def main() -> None:
    tgz_dir, versions_file, repo = sys.argv[1:4]
    package_versions = [v.strip() for v in open(versions_file) if v.strip()]
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    fi = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=repo, stdin=subprocess.PIPE
    )
    out = fi.stdin
    sent = set()
    when = 1_500_000_000
    commits = 0
    for spec in package_versions:
        name, _, version = spec.rpartition("@")
        tgz = os.path.join(tgz_dir, f"{name.lstrip('@').replace('/', '-')}-{version}.tgz")
        if not os.path.exists(tgz):
            continue
        files = []
        try:
            with tarfile.open(tgz) as tar:
                for m in tar.getmembers():
                    if not m.isfile():
                        continue
                    parts = m.name.split("/", 1)
                    if len(parts) != 2 or not parts[1]:
                        continue
                    data = tar.extractfile(m).read()
                    files.append((parts[1], data))
        except (tarfile.TarError, OSError, EOFError) as e:
            print(f"skipping {tgz}: {e}", file=sys.stderr)
            continue
        when += 3600
        message = f"{name} {version}\n".encode()
        out.write(b"commit refs/heads/main\n")
        out.write(f"author Bench <bench@example.com> {when} +0000\n".encode())
        out.write(f"committer Bench <bench@example.com> {when} +0000\n".encode())
        out.write(b"data %d\n%s\n" % (len(message), message))
        out.write(b"deleteall\n")
        for path, data in sorted(files):
            oid = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            if oid in sent:
                out.write(f"M 100644 {oid} {path}\n".encode())
            else:
                sent.add(oid)
                out.write(f"M 100644 inline {path}\n".encode())
                out.write(b"data %d\n" % len(data))
                out.write(data)
                out.write(b"\n")
        out.write(b"\n")
        commits += 1
    out.write(b"done\n")
    out.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    print(f"{commits} commits, {len(sent)} distinct blobs", file=sys.stderr)


if __name__ == "__main__":
    main()
