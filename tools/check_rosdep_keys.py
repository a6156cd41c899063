"""Check that every dependency key of package.xml resolves in a rosdistro checkout.

    git clone https://github.com/ros/rosdistro /tmp/rosdistro
    python tools/check_rosdep_keys.py /tmp/rosdistro            # jazzy/noble and humble/jammy

A key resolves the way `rosdep install` resolves it on Ubuntu: either it names a package
released in the distribution (DISTRO/distribution.yaml), or rosdep/base.yaml or
rosdep/python.yaml maps it for Ubuntu and the distribution's release (a package list, an
installer entry such as pip, or a per-release table with that release or '*'; null = none).
Exits 1 listing every key that does not resolve.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPENDENCY_TAGS = ("depend", "build_depend", "buildtool_depend", "exec_depend", "test_depend")
TARGETS = {"jazzy": "noble", "humble": "jammy"}  # ROS distribution -> its Ubuntu release
INSTALLERS = ("apt", "pip", "source")


def package_keys(package_xml: Path = ROOT / "package.xml") -> list[str]:
    tree = ET.parse(package_xml)
    return [e.text.strip() for tag in DEPENDENCY_TAGS for e in tree.getroot().iter(tag)]


def released_packages(distribution_yaml: Path) -> set[str]:
    """Every package name released in a distribution.yaml."""
    repositories = yaml.safe_load(distribution_yaml.read_text())["repositories"]
    names = set()
    for name, repository in repositories.items():
        release = repository.get("release")
        if release:
            names.update(release.get("packages", [name]))
    return names


def resolve_rule(rule: Any, codename: str) -> Any:
    """What a rosdep rule gives on Ubuntu ``codename``: packages / installer entry, or None."""
    ubuntu = rule.get("ubuntu") if isinstance(rule, dict) else None
    if ubuntu is None or isinstance(ubuntu, list):
        return ubuntu or None
    if any(key in ubuntu for key in INSTALLERS):
        return ubuntu
    return ubuntu.get(codename, ubuntu.get("*"))


def unresolved(keys: list[str], rosdistro: Path) -> list[str]:
    """'key (distro/codename)' for each key that does not resolve."""
    rules: dict[str, Any] = {}
    for name in ("base.yaml", "python.yaml"):
        rules.update(yaml.safe_load((rosdistro / "rosdep" / name).read_text()))
    missing = []
    for distro, codename in TARGETS.items():
        released = released_packages(rosdistro / distro / "distribution.yaml")
        for key in keys:
            if key not in released and resolve_rule(rules.get(key), codename) is None:
                missing.append(f"{key} ({distro}/{codename})")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rosdistro", type=Path, help="a checkout of github.com/ros/rosdistro")
    args = parser.parse_args(argv)
    keys = package_keys()
    missing = unresolved(keys, args.rosdistro)
    for entry in missing:
        print(f"does not resolve: {entry}")
    if not missing:
        targets = ", ".join(f"{d}/{c}" for d, c in TARGETS.items())
        print(f"all {len(keys)} keys resolve for {targets}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
