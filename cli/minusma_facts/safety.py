"""A package is untrusted input: the one gate for every file a command reads or writes, budgets, clean text.

Every command reads a package file through `real_file` / `read_file` and writes inside a package through
`output_path`; every text a package supplies is printed through `clean` (and `clip`). docs/security.md says
what this promises and how it is tested.

- Reading: a package path is a relative POSIX path (`unsafe_path_reason`). It is resolved to its real path;
  a symbolic link is followed only when it ends at a regular file *inside* the package folder (a link that
  leaves the folder, a link loop, a FIFO, a device or a folder is refused with `Refused`).
- Writing: no component of the path written inside the package may be a symbolic link, so a package cannot
  redirect `dist/` or `docs/data-dictionary.md` elsewhere, and `clean_name` keeps a descriptor's `name` from
  shaping a path outside the output folder.
- Budgets: JSON (descriptor, schemas) at most `MAX_JSON_BYTES` and `MAX_JSON_DEPTH` deep; YAML without aliases
  and at most `MAX_YAML_BYTES`; archive entries capped (see `archive.py`).
- Text: control characters (C0, DEL, C1), bidi controls, zero-width characters and U+2028/9 are shown as
  escapes (``\\u001b``, ``\\u202e``) and long texts are clipped, so no cell can move the cursor, clear the
  screen, reorder a line or fake a verdict.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Any


class PackageError(Exception):
    """The package cannot be opened or read at all (validate exits 2 on it)."""


class Refused(PackageError):
    """A path, file or archive entry the gate will not read or write through."""


# -- paths -------------------------------------------------------------------------------------------------
def unsafe_path_reason(path: Any) -> str | None:
    """Why a descriptor path may not be followed, or None when it is a safe relative path."""
    if not isinstance(path, str) or not path:
        return "is not a non-empty string"
    if "://" in path or path.lower().startswith(("http:", "https:", "ftp:", "file:", "data:")):
        return "is a URL"
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        return "is absolute"
    if "\\" in path:
        return "uses backslashes"
    if "\x00" in path:
        return "holds a NUL character"
    if ".." in PurePosixPath(path).parts:
        return "contains '..'"
    return None


def real_file(root: Path, relpath: str) -> Path:
    """The real path of the regular file `relpath` inside the package folder `root`.

    Raises FileNotFoundError when nothing is there, `Refused` when the path is unsafe, leads outside the
    package through a symbolic link, loops, or names anything but a regular file."""
    reason = unsafe_path_reason(relpath)
    if reason:
        raise Refused(f"{clean(str(relpath))}: refused, the path {reason}")
    base = Path(root).resolve()
    candidate = base / relpath
    try:
        real = candidate.resolve(strict=True)
    except FileNotFoundError:
        raise FileNotFoundError(relpath) from None
    except (OSError, RuntimeError) as error:  # a symlink loop, a name too long
        raise Refused(f"{clean(relpath)}: refused, the path cannot be resolved ({clean(str(error), 120)})") from None
    if real != base and base not in real.parents:
        raise Refused(f"{clean(relpath)}: refused, a symbolic link leads outside the package")
    try:
        mode = os.stat(real).st_mode
    except OSError as error:
        raise Refused(f"{clean(relpath)}: refused, cannot be examined ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        raise Refused(f"{clean(relpath)}: refused, not a regular file ({_kind(mode)})")
    return real


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


def read_file(root: Path, relpath: str, max_bytes: int | None = None) -> bytes:
    """The bytes of the package file `relpath` (through `real_file`); `Refused` past `max_bytes`."""
    real = real_file(root, relpath)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(real, flags)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since it was resolved
            raise Refused(f"{clean(relpath)}: refused, not a regular file")
        data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise Refused(f"{clean(relpath)}: refused, larger than {max_bytes:,} bytes")
    return data


def output_path(root: Path, relpath: str) -> Path:
    """Where a command may write `relpath` inside the package folder `root`: refused when the path is unsafe
    or any existing component of it (the file itself included) is a symbolic link or leaves the folder."""
    reason = unsafe_path_reason(relpath)
    if reason:
        raise Refused(f"{clean(str(relpath))}: refused, the path {reason}")
    base = Path(root).resolve()
    path = base
    for part in PurePosixPath(relpath).parts:
        path = path / part
        if path.is_symlink():
            raise Refused(f"{path}: refused, {PurePosixPath(*path.relative_to(base).parts)} is a symbolic link; "
                          "nothing is written through it")
    return path


def clean_name(value: Any, fallback: str) -> str:
    """A descriptor value made safe as one file name: letters, digits, '.', '_' and '-' only, no leading dot."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", value if isinstance(value, str) else "").strip("._-")[:100]
    return text or fallback


# -- text ----------------------------------------------------------------------------------------------------
# C0 but tab and newline, DEL, C1, the soft hyphen, the Arabic letter mark, the Mongolian vowel separator,
# zero-width and bidi controls, U+2028/9, word joiners and invisible operators, BOM, interlinear annotations,
# the invisible musical format characters and the tag characters (which can spell hidden text)
_HIDDEN = ("\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb"
           "\U0001d173-\U0001d17a\U000e0000-\U000e007f")
_UNSAFE = re.compile(f"[{_HIDDEN}\t\n\u2028\u2029]")
_UNSAFE_KEEP_LINES = re.compile(f"[{_HIDDEN}\u2028\u2029]")
# what validate reports in text cells (tab, newline and CR are ordinary there)
CONTROL_PATTERN = "[\\x{0}-\\x{8}\\x{b}\\x{c}\\x{e}-\\x{1f}\\x{7f}-\\x{9f}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}\\x{2028}\\x{2029}]"
CLIP = 200


def _escape(match: re.Match) -> str:
    code = ord(match.group())  # the same visible escape github.py writes
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def clean(text: Any, limit: int | None = None, keep_lines: bool = False) -> str:
    """`text` safe to print: hidden and control characters escaped (newlines kept with `keep_lines`),
    clipped to `limit` characters when given."""
    text = "" if text is None else str(text)
    if limit is not None:
        text = clip(text, limit)
    return (_UNSAFE_KEEP_LINES if keep_lines else _UNSAFE).sub(_escape, text)


def no_runner_commands(text: str) -> str:
    """Text for a CI log with no "##[" left, which a runner reads as a (legacy) workflow command wherever it stands
    in a line: written "#\\u0023[", as clean() writes what it escapes. For what people read (the table, stderr);
    json_text escapes it the JSON way, so the data are unchanged."""
    return text.replace("##[", "#\\u0023[")


def json_text(data: Any) -> str:
    """JSON for a terminal or a log: UTF-8 kept, but every hidden or control character (C1 and bidi controls,
    U+2028/9 included, which json.dumps leaves raw) and the "#" of "##[" written as a \\u escape, so the data are
    unchanged."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    # "##[" only stands inside a JSON string: "#\u0023[" there reads back as "##[", and no CI runner sees a command
    return no_runner_commands(_UNSAFE_KEEP_LINES.sub(_json_escape, text))


def _json_escape(match: re.Match) -> str:
    """A JSON string escape: a character beyond the BMP is its UTF-16 surrogate pair, as JSON writes it."""
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def clip(text: str, limit: int = CLIP) -> str:
    """At most about `limit` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


# -- spreadsheets ------------------------------------------------------------------------------------------
FORMULA_SIGNS = "=+-@\uff1d\uff0b\uff0d\uff20"  # and their fullwidth forms, which spreadsheets also accept
# what may stand before the sign and still leave a formula: white space, NBSP, zero-width characters, BOM
# the signs escaped: unescaped, "+-@" inside [...] would be the range + to @, digits included
_FORMULA = re.compile(f"^[\\s\u00a0\u200b-\u200d\u2060\ufeff]*[{re.escape(FORMULA_SIGNS)}]")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would run `text` as a formula: it starts with = + - @ (or a fullwidth form),
    perhaps behind white space, a tab, NBSP or a zero-width space."""
    return bool(_FORMULA.match(text))


# -- budgets -------------------------------------------------------------------------------------------------
MAX_JSON_BYTES = 8 << 20
MAX_JSON_DEPTH = 64
MAX_YAML_BYTES = 1 << 20


def load_json(raw: bytes, where: str) -> Any:
    """Parse a package's JSON file within the budgets; ValueError (with `where`) when it is too big or deep.
    UnicodeDecodeError and json.JSONDecodeError pass through for the caller's own message."""
    if len(raw) > MAX_JSON_BYTES:
        raise ValueError(f"{where}: {len(raw):,} bytes, over the {MAX_JSON_BYTES:,} a descriptor or schema may have")
    text = raw.decode("utf-8")
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError(f"{where}: nested deeper than {MAX_JSON_DEPTH} levels") from None
    if _depth_over(data, MAX_JSON_DEPTH):
        raise ValueError(f"{where}: nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def _depth_over(data: Any, limit: int) -> bool:
    level = [data]
    for _ in range(limit + 1):
        following = []
        for node in level:
            if isinstance(node, dict):
                following.extend(v for v in node.values() if isinstance(v, (dict, list)))
            elif isinstance(node, list):
                following.extend(v for v in node if isinstance(v, (dict, list)))
        if not following:
            return False
        level = following
    return True


def load_yaml(text: str, where: str) -> Any:
    """Safe YAML with no aliases (so no alias bomb expands) and at most MAX_YAML_BYTES; yaml.YAMLError or
    ValueError otherwise."""
    import yaml

    if len(text) > MAX_YAML_BYTES:
        raise ValueError(f"{where}: over {MAX_YAML_BYTES:,} characters of YAML")

    class NoAliases(yaml.SafeLoader):
        def compose_node(self, parent, index):  # noqa: ANN001 - yaml's signature
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, "uses a YAML alias (*name), which is not read here", mark)
            return super().compose_node(parent, index)

    return yaml.load(text, Loader=NoAliases)  # noqa: S506 - a SafeLoader subclass


# -- no network ----------------------------------------------------------------------------------------------
_GUARD = {"depth": 0, "installed": False}
_NETWORK_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
                   "socket.sendto", "socket.sendmsg", "socket.bind", "urllib.Request", "http.client.connect"}


class NetworkRefused(PermissionError):
    """A command tried to open a connection while no network is allowed."""


def _audit(event: str, args: tuple) -> None:
    if _GUARD["depth"] and event in _NETWORK_EVENTS:
        raise NetworkRefused(f"no network: {event} refused while a package is read")


class no_network:
    """While active (any thread), every socket connect, name lookup and URL open in this process raises
    NetworkRefused (an audit hook, installed once; it does nothing outside the block)."""

    def __enter__(self):
        import sys

        if not _GUARD["installed"]:
            sys.addaudithook(_audit)
            _GUARD["installed"] = True
        _GUARD["depth"] += 1
        return self

    def __exit__(self, *exc) -> None:
        _GUARD["depth"] -= 1
