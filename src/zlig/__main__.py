"""``python -m zlig``: build extensions in place, and show what a build will pack.

python -m zlig build --inplace [-C key=value ...]
python -m zlig clean
python -m zlig inspect [--json] [-C key=value ...]
python -m zlig wheels [--targets T,...] [--out-dir dist] [-C key=value ...]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from .commands.inplace import build_inplace, clean
from .config import settings as config
from .runtime.errors import BuildError, ConfigError, exit_on_error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m zlig", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="compile every extension")
    build.add_argument(
        "--inplace",
        action="store_true",
        required=True,
        help="place each built extension next to its sources (as setup.py build_ext --inplace)",
    )
    _config_option(build)
    commands.add_parser("clean", help="remove what 'build --inplace' made, and the build folder")
    inspect = commands.add_parser(
        "inspect",
        help="show, without compiling, what the sdist and the wheel will contain and why",
    )
    inspect.add_argument("--json", action="store_true", help="print the manifest as JSON")
    _config_option(inspect)
    wheels = commands.add_parser(
        "wheels", help="build the sdist, then from it a wheel for every target of the matrix"
    )
    wheels.add_argument(
        "--targets",
        metavar="T,...",
        help="targets, comma-separated ('here' for this machine); default: [tool.zlig] matrix",
    )
    wheels.add_argument("--out-dir", default="dist", help="where to put them (default: dist)")
    _config_option(wheels, "a build option for every wheel, as with pip's -C")
    return parser


def _config_option(
    parser: argparse.ArgumentParser,
    help: str = "a build option, as with pip's -C (e.g. -C optimize=Debug)",
) -> None:
    parser.add_argument(
        "-C", "--config-setting", action="append", default=[], metavar="KEY=VALUE", help=help
    )


def _config_settings(values: Sequence[str]) -> dict[str, str]:
    settings = {}
    for value in values:
        key, eq, setting = value.partition("=")
        if not eq:
            raise ConfigError(f"-C {value!r} must be KEY=VALUE")
        settings[key] = setting
    return settings


@exit_on_error
def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    root = Path.cwd()
    if args.command == "inspect":
        from .commands.manifest import manifest, text
        from .config.project import flit_errors

        settings = config.load(root, _config_settings(args.config_setting))
        with flit_errors():
            data = manifest(settings)
        if args.json:
            import json

            print(json.dumps(data, indent=2))
        else:
            print(text(data), end="")
    elif args.command == "build":
        settings = config.load(root, _config_settings(args.config_setting))
        for path in build_inplace(settings):
            print(f"built {path.relative_to(settings.root)}")
    elif args.command == "wheels":
        _wheels(root, args.targets, Path(args.out_dir), _config_settings(args.config_setting))
    else:
        for path in clean(config.load(root)):
            print(f"removed {path.relative_to(root.resolve())}")


def _wheels(root: Path, chosen: str | None, out: Path, settings: dict[str, str]) -> None:
    from .commands import matrix

    names = matrix.targets(
        config.load(root, settings),
        config.read_pyproject(root).get("tool", {}).get("zlig", {}),
        chosen,
    )
    sdist, rows = matrix.build_all(root, names, settings, out)
    print(f"\nzlig: {out / sdist}")
    print(matrix.table(rows), flush=True)
    failed = [row.target for row in rows if row.result != "ok"]
    if failed:
        raise BuildError(f"{len(failed)} of {len(rows)} wheels failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
