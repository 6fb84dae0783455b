"""Descriptor checks: the Data Package v2 profile, safe paths, every table file and schema a resource.

Paths are judged by `unsafe_path_reason` before anything is read; an unsafe one is reported and never
followed. The profile check runs frictionless on a copy of the descriptor in which schema paths are replaced
by the schemas already read safely, so frictionless reads no file and fetches nothing.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from ..package import DESCRIPTOR, Package, PackageError, unsafe_path_reason
from ..report import Problem, Report
from ..schema_shape import SchemaShapeError

STANDARD_PROFILES = "https://datapackage.org/profiles/"
NAMED_PROFILES = {"data-package", "tabular-data-package", "data-resource", "tabular-data-resource", "table-schema"}
TABLE_FOLDER, TABLE_SUFFIX = "data", ".csv"
SCHEMA_FOLDER, SCHEMA_SUFFIX = "schemas", ".schema.json"


def _problem(type_: str, note: str, resource: str | None = None, field: str | None = None, file: str = DESCRIPTOR) -> Problem:
    return Problem(type_, note, resource=resource, file=file, field=field)


def _refused(report: Report, label: str, key: str, value: Any) -> bool:
    """Report a resource's `key` path that may not be followed (absolute, '..', a URL); True when refused."""
    reason = unsafe_path_reason(value)
    if reason:
        what = "path" if key == "path" else f"{key} path"
        report.add(_problem("unsafe-path", f"resource {label!r} {what} {value!r} {reason}: refused, not read", label, key))
    return bool(reason)


def check_descriptor(report: Report, package: Package, defer: list | None = None) -> list[str]:
    """Report descriptor problems; return the names of the table resources that can be read safely.

    With `defer` (a list), the profile check runs in a background thread while the tables are checked, and a
    function that waits for it and reports its findings is appended to `defer`. Its findings go to the
    report's section after the current one's (descriptor problems keep their order either way).
    """
    section = report._section
    descriptor = package.descriptor
    readable: list[str] = []
    profile_copy = copy.deepcopy(descriptor)

    declared = descriptor.get("$schema")
    if declared is not None and not (isinstance(declared, str) and declared.startswith(STANDARD_PROFILES)):
        report.add(_problem("descriptor-error", f"$schema {declared!r} is not a Data Package profile under {STANDARD_PROFILES}; "
                                                "custom profiles are not fetched", field="$schema"))
        profile_copy.pop("$schema", None)
    if isinstance(profile_copy.get("profile"), str) and "://" in profile_copy["profile"]:
        report.add(_problem("descriptor-error", f"profile {profile_copy['profile']!r} is a URL; custom profiles are not fetched", field="profile"))
        profile_copy.pop("profile")

    raw_resources = descriptor.get("resources")
    if not isinstance(raw_resources, list):
        raw_resources = []
    listed_paths: set[str] = set()
    listed_schemas: set[str] = set()
    names_seen: set[str] = set()
    schemas: dict[str, tuple[str, dict[str, Any]]] = {}  # name -> (file, schema) of every schema read
    copy_resources = profile_copy.get("resources") if isinstance(profile_copy.get("resources"), list) else []

    for position, resource in enumerate(raw_resources):
        if not isinstance(resource, dict):
            continue  # the profile check names it
        name = resource.get("name")
        label = name if isinstance(name, str) else f"resources[{position}]"
        if isinstance(name, str):
            if name in names_seen:
                report.add(_problem("descriptor-error", f"resource name {name!r} is used twice", label, "name"))
            names_seen.add(name)
        safe = True
        path = resource.get("path")
        inline = path is None and resource.get("data") is not None
        parts = path if isinstance(path, list) else [path]
        if isinstance(path, list) and not path:
            report.add(_problem("descriptor-error", f"resource {label!r} has a multipart path with no parts", label, "path"))
            safe = False
        elif not inline and any(_refused(report, label, "path", part) for part in parts):
            safe = False
        elif not inline:
            listed_paths.update(parts)
        schema_ref = resource.get("schema")
        schema = None
        if isinstance(schema_ref, str):
            if _refused(report, label, "schema", schema_ref):
                safe = False
            else:
                listed_schemas.add(schema_ref)
        dialect = resource.get("dialect")
        if isinstance(dialect, str) and _refused(report, label, "dialect", dialect):
            safe = False
        if safe and isinstance(name, str) and schema_ref is not None:
            try:
                schema = package.schema(name)
            except SchemaShapeError as error:
                for field, note in error.problems:
                    report.add(Problem("schema-error", f"the schema {note}; the table is not read", resource=name,
                                       file=error.file, field=field))
                safe = False
            except PackageError as error:
                missing = "is missing" in str(error)
                report.add(Problem("resource-missing" if missing else "schema-error", str(error).split(": ", 1)[-1],
                                   resource=name, file=schema_ref if isinstance(schema_ref, str) else DESCRIPTOR))
                safe = False
        if position < len(copy_resources) and isinstance(copy_resources[position], dict):
            target = copy_resources[position]
            if isinstance(schema, dict):
                target["schema"] = package.schema_as_written(name)
            elif isinstance(target.get("schema"), str):
                target.pop("schema")
            if isinstance(target.get("dialect"), str):
                target.pop("dialect")
            _strip_profiles(report, label, target)
            if not safe:
                target["path"] = "refused.csv"
        if not safe or not isinstance(name, str):
            continue
        if isinstance(schema, dict):
            schemas[name] = (schema_ref if isinstance(schema_ref, str) else DESCRIPTOR, schema)
            _check_schema(report, name, *schemas[name])
        if inline:
            if schema is not None:
                readable.append(name)
            continue
        missing = [part for part in parts if not package.exists(part)]
        for part in missing:
            report.add(Problem("resource-missing", f"resource {name!r} names {part}, which does not exist", resource=name, file=part))
        refused = [(part, package.refusal(part)) for part in parts if part not in missing]
        for part, refusal in refused:
            if refusal:
                report.add(Problem("unsafe-path", f"{refusal.split(': ', 1)[-1]}; not read", resource=name, file=part))
        if missing or any(refusal for _, refusal in refused):
            continue
        # a multipart resource's bytes and hash are not checked (docs/validation.md)
        if len(parts) == 1 and not _check_bytes_and_hash(report, package, name, path, resource):
            continue
        if schema is not None:
            readable.append(name)

    _check_references(report, schemas, names_seen)
    if defer is None:
        _check_profile(report, profile_copy)
    else:
        defer.append(_profile_in_background(report, profile_copy, section + (1,)))
        report.section(section + (2,))

    for path in package.list_files(TABLE_FOLDER, TABLE_SUFFIX):
        if path not in listed_paths:
            report.add(Problem("resource-missing", f"{path} is not a resource in {DESCRIPTOR}", file=path))
    for path in package.list_files(SCHEMA_FOLDER, SCHEMA_SUFFIX):
        if path not in listed_schemas:
            report.add(Problem("resource-missing", f"{path} is the schema of no resource in {DESCRIPTOR}", file=path))
    return readable


def _strip_profiles(report: Report, label: str, resource: dict[str, Any]) -> None:
    """Take out of the profile check's copy every resource or schema `profile` / `$schema` that names no
    standard profile: frictionless would fetch a URL there, and what it serves would decide the verdict."""
    for where, holder in (("resource", resource), ("schema", resource.get("schema"))):
        if not isinstance(holder, dict):
            continue
        for key in ("profile", "$schema"):
            value = holder.get(key)
            if value is None or (isinstance(value, str) and (value in NAMED_PROFILES or value.startswith(STANDARD_PROFILES))):
                continue
            report.add(_problem("descriptor-error", f"{where} {label!r} has {key} {value!r}, which is not a standard profile; "
                                                    "custom profiles are not fetched", label, key))
            holder.pop(key)


def _profile_in_background(report: Report, descriptor: dict[str, Any], section: tuple):
    """Start the profile check in a thread (frictionless takes ~1 s to import and run, mostly Python that
    overlaps the tables' C-level parsing); return the function that waits for it and reports what it found."""
    import threading

    found = Report(report.path, report.limit)
    failed: list[BaseException] = []

    def run() -> None:
        try:
            _check_profile(found, descriptor)
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread by finish()
            failed.append(error)

    worker = threading.Thread(target=run, name="descriptor-profile", daemon=True)
    worker.start()

    def finish() -> None:
        worker.join()
        if failed:
            raise failed[0]
        found.sort()
        report.section(section)
        report.extend(found.errors + found.warnings)

    return finish


def _check_profile(report: Report, descriptor: dict[str, Any]) -> None:
    """The Data Package v2 profile, through frictionless (its profiles ship with it; nothing is fetched).

    frictionless refusing the descriptor (FrictionlessException) is a finding; any other failure (frictionless
    or jsonschema missing, broken or too old) is the environment's, never the package's: `Broken`, exit 2."""
    from . import Broken

    try:
        from frictionless import FrictionlessException
        from frictionless import Package as FrictionlessPackage
    except Exception as error:  # noqa: BLE001 - an environment without a working frictionless cannot check
        raise Broken(f"frictionless cannot be imported ({type(error).__name__}: {error}); reinstall minusma-facts's dependencies") from error
    try:
        result = FrictionlessPackage.validate_descriptor(descriptor)
    except FrictionlessException as error:  # frictionless refusing a broken descriptor is itself a finding
        report.add(_problem("descriptor-error", f"the descriptor cannot be read as a Data Package ({error})"))
        return
    except Exception as error:  # noqa: BLE001 - the descriptor's fault, or the libraries': a sound descriptor tells which
        if _profile_check_works(FrictionlessPackage):
            from ..safety import clean

            report.add(_problem("descriptor-error", "not a valid Data Package: frictionless fails on this descriptor "
                                                    f"({type(error).__name__}: {clean(str(error), 200)})"))
            return
        raise Broken(f"the Data Package profile check failed inside frictionless ({type(error).__name__}: {error}); "
                     "its dependencies (jsonschema) may be missing or too old") from error
    for error in result.errors:
        note = getattr(error, "note", "") or error.message
        if "refused.csv" in note or "is not safe" in note:
            continue
        report.add(_problem("descriptor-error", f"not a valid Data Package (v2 profile): {note}"))


def _profile_check_works(checker) -> bool:
    """Whether frictionless checks a small sound descriptor without failing (so a failure on the package's own
    descriptor is that descriptor's doing, not a broken install's)."""
    sound = {"name": "probe", "resources": [{"name": "probe", "path": "probe.csv",
                                             "schema": {"fields": [{"name": "id", "type": "integer"}]}}]}
    try:
        return not checker.validate_descriptor(sound).errors
    except Exception:  # noqa: BLE001 - failing here too: the environment is broken
        return False


def _check_schema(report: Report, name: str, file: str, schema: dict[str, Any]) -> None:
    # the Table Schema profile itself is checked with the package's (the schema is inlined in its copy)
    names = {f.get("name") for f in schema.get("fields", []) if isinstance(f, dict)}
    from ..schema import as_list

    for key in as_list(schema.get("primaryKey") or []):
        if key not in names:
            report.add(Problem("schema-error", f"primary key field {key!r} is not a field", resource=name, file=file, field=key))


def _check_references(report: Report, schemas: dict[str, tuple[str, dict[str, Any]]], names: set[str]) -> None:
    """Every foreign key names fields of its own table and a resource of the package, and (where that resource's
    schema is read) fields of it. A key that points at nothing would otherwise pass every row unchecked."""
    from ..schema import as_list

    for name, (file, schema) in schemas.items():
        own = {f.get("name") for f in schema.get("fields", []) if isinstance(f, dict)}
        for number, key in enumerate(schema.get("foreignKeys") or []):
            reference = key["reference"]
            target = reference.get("resource") or name
            for field in as_list(key["fields"]):
                if field not in own:
                    report.add(Problem("schema-error", f"foreignKeys[{number}] names field {field!r}, which is not a field of the table",
                                       resource=name, file=file, field=field))
            if target not in names:
                report.add(Problem("schema-error", f"foreignKeys[{number}] points at resource {target!r}, which the package does not have",
                                   resource=name, file=file))
            elif target in schemas:
                theirs = {f.get("name") for f in schemas[target][1].get("fields", []) if isinstance(f, dict)}
                for field in as_list(reference["fields"]):
                    if field not in theirs:
                        report.add(Problem("schema-error", f"foreignKeys[{number}] points at field {field!r} of resource {target!r}, "
                                                           "which is not a field of it", resource=name, file=file))


def _check_bytes_and_hash(report: Report, package: Package, name: str, path: str, resource: dict[str, Any]) -> bool:
    """A resource that declares `bytes` or `hash` (`sha256:<hex>`, or a bare MD5 as v1 wrote it) must match its
    file; the file is hashed as a stream. False when the table must not be read: an archive entry larger than
    its declared `bytes` (the declared size is its cap) or one that cannot be read."""
    declared_bytes = resource.get("bytes")
    declared_hash = resource.get("hash")
    if declared_bytes is None and declared_hash is None:
        return True
    size = package.size(path)
    if declared_bytes is not None and declared_bytes != size:
        larger = package.is_archive and isinstance(declared_bytes, int) and size > declared_bytes
        report.add(Problem("byte-count", f"{DESCRIPTOR} says {declared_bytes} bytes; the file has {size}"
                           + ("; an entry larger than it declares is not read" if larger else ""),
                           resource=name, file=path, field="bytes", cell=str(declared_bytes)))
        if larger:
            return False
    if declared_hash is not None:
        text = str(declared_hash)
        algorithm, _, expected = text.partition(":") if ":" in text else ("md5", "", text)
        try:
            digest = hashlib.new(algorithm.lower())
        except (ValueError, TypeError):
            report.add(Problem("descriptor-error", f"resource {name!r} hash {text!r} names an unknown algorithm", resource=name, file=DESCRIPTOR, field="hash"))
            return True
        try:
            with open(package.local_path(path), "rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
        except (OSError, PackageError) as error:
            report.add(Problem("scheme-error", f"{path} cannot be read ({error})", resource=name, file=path))
            return False
        finally:
            package.drop_local()
        actual = digest.hexdigest() if not algorithm.lower().startswith("shake") else digest.hexdigest(32)
        if actual != expected.lower():
            report.add(Problem("hash-count", f"{DESCRIPTOR} says {algorithm}:{expected}; the file's {algorithm} is {actual}",
                               resource=name, file=path, field="hash", cell=text))
    return True
