"""Installs the three packages (socialgraph, api, jobs) and the ``socialgraph`` command."""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def requirements(name):
    lines = (HERE / name).read_text().splitlines()
    return [l.strip() for l in lines if l.strip() and not l.startswith(("#", "-r"))]


setup(
    name="socialgraph",
    version="0.1.0",
    description="A social network backend whose social graph lives in a graph database",
    long_description=(HERE / "README.md").read_text() if (HERE / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11",
    packages=find_packages(include=["socialgraph", "socialgraph.*", "api", "api.*", "jobs", "jobs.*"]),
    include_package_data=True,
    install_requires=requirements("requirements.txt"),
    extras_require={"dev": requirements("requirements-dev.txt")},
    entry_points={"console_scripts": ["socialgraph=socialgraph.cli:main"]},
)
