"""The OFD check of uploads (services.documents.check_ofd): an OFD document is a ZIP with an ``OFD.xml`` at its
root in the OFD namespace, within bounded entries and uncompressed size; anything else carrying the bytes
``OFD.xml`` (a JAR, a ZIP bomb) is refused."""

from __future__ import annotations

import io
import struct
import time
import zipfile

import pytest

from lianrong.api.errors import http_status
from lianrong.documents.attachments import OFD_NAMESPACE, check_ofd, sniff_media_type
from lianrong.kernel import errors

OFD_XML = (
    f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NAMESPACE}" Version="1.0" DocType="OFD">'
    "<ofd:DocBody><ofd:DocInfo><ofd:DocID>0C1D4F7159954EEEDE517F7285E84DC4</ofd:DocID></ofd:DocInfo>"
    "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
).encode()
DOCUMENT_XML = (
    f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NAMESPACE}">'
    "<ofd:CommonData><ofd:MaxUnitID>1</ofd:MaxUnitID></ofd:CommonData></ofd:Document>"
).encode()
LIMITS = {"max_uncompressed": 1024 * 1024, "max_entries": 50}


def zipped(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def minimal_ofd() -> bytes:
    return zipped({"OFD.xml": OFD_XML, "Doc_0/Document.xml": DOCUMENT_XML})


def refused(content: bytes, code: str, **limits: int) -> errors.LianRongError:
    with pytest.raises(errors.LianRongError) as info:
        check_ofd(content, **{**LIMITS, **limits})
    assert info.value.code == code, info.value.message_en
    assert info.value.message_zh and info.value.message_en and http_status(info.value) == 422
    return info.value


def test_a_minimal_ofd_document_passes():
    check_ofd(minimal_ofd(), **LIMITS)
    assert sniff_media_type(minimal_ofd()) == "application/ofd"


def test_a_jar_with_ofd_xml_in_a_folder_is_refused():
    jar = zipped(
        {
            "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n",
            "META-INF/OFD.xml": OFD_XML,
            "com/example/Main.class": b"\xca\xfe\xba\xbe",
        }
    )
    assert b"OFD.xml" in jar  # what the old check looked for
    refused(jar, "attachment.ofd_invalid")


def test_an_ofd_xml_in_another_namespace_or_not_named_ofd_is_refused():
    other = OFD_XML.replace(OFD_NAMESPACE.encode(), b"http://example.com/not-ofd")
    refused(zipped({"OFD.xml": other}), "attachment.ofd_invalid")
    no_namespace = b'<?xml version="1.0"?><OFD Version="1.0"/>'
    refused(zipped({"OFD.xml": no_namespace}), "attachment.ofd_invalid")
    wrong_root = f'<ofd:Document xmlns:ofd="{OFD_NAMESPACE}"/>'.encode()
    refused(zipped({"OFD.xml": wrong_root}), "attachment.ofd_invalid")
    refused(zipped({"OFD.xml": b"not xml at all"}), "attachment.ofd_invalid")


def test_an_ofd_xml_with_a_dtd_or_entities_is_refused_unexpanded():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<ofd:OFD xmlns:ofd="' + OFD_NAMESPACE.encode() + b'">&lol2;</ofd:OFD>'
    )
    refused(zipped({"OFD.xml": laughs}), "attachment.ofd_invalid")


def test_a_broken_container_is_refused():
    refused(b"PK\x03\x04 a word file, not OFD", "attachment.ofd_invalid")
    refused(minimal_ofd()[:60], "attachment.ofd_invalid")


def test_too_many_entries_are_refused():
    many = zipped({"OFD.xml": OFD_XML, **{f"Doc_0/Res/{i}.xml": b"<a/>" for i in range(60)}})
    refused(many, "attachment.ofd_too_large")


def test_a_zip_bomb_declaring_a_huge_size_is_refused_before_anything_is_inflated(monkeypatch):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", OFD_XML)
        with z.open("Doc_0/Res/bomb.bin", "w", force_zip64=True) as f:
            block = b"\0" * (1024 * 1024)
            for _ in range(64):  # 64 MB of zeros: about 64 KB compressed
                f.write(block)
    content = bomb.getvalue()
    assert len(content) < 200 * 1024

    def no_inflating(*args, **kwargs):
        raise AssertionError("an entry was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    err = refused(content, "attachment.ofd_too_large")
    assert err.details["limit"] == LIMITS["max_uncompressed"]


def _declare_size(content: bytes, name: bytes, size: int) -> bytes:
    """The ZIP with the uncompressed size of entry ``name`` declared as ``size`` in both of its headers."""
    data = bytearray(content)
    local = data.find(b"PK\x03\x04")
    while local != -1:
        name_len = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30 : local + 30 + name_len] == name:
            struct.pack_into("<I", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == name:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_a_zip_bomb_lying_about_its_size_is_refused_having_inflated_only_the_declared_size():
    content = zipped({"OFD.xml": OFD_XML, "Doc_0/Res/bomb.bin": b"\0" * (16 * 1024 * 1024)})
    lying = _declare_size(content, b"Doc_0/Res/bomb.bin", 1000)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(lying)).infolist()) < LIMITS["max_uncompressed"]
    started = time.perf_counter()
    refused(lying, "attachment.ofd_invalid")
    assert time.perf_counter() - started < 2
