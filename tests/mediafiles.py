"""Small real media files made in the tests (Pillow, PyAV), never checked in."""
from __future__ import annotations

import io
import struct
import zlib


def jpeg_with_gps(width: int = 1600, height: int = 1200) -> bytes:
    """A JPEG with EXIF (camera model, orientation) and a GPS block."""
    from PIL import Image

    im = Image.new("RGB", (width, height), (200, 80, 40))
    for x in range(0, width, 50):
        im.paste((20, 120, 220), (x, 0, x + 20, height))
    exif = Image.Exif()
    exif[0x0110] = "SecretCam 3000"  # Model
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 29.0)
    gps[3] = "E"
    gps[4] = (2.0, 17.0, 40.0)
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif, quality=80)
    return buf.getvalue()


def png(width: int = 64, height: int = 48, noise: bool = False) -> bytes:
    from PIL import Image

    if noise:
        import os

        im = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        im = Image.new("RGBA", (width, height), (10, 200, 10, 128))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def png_bomb(side: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ``side`` x ``side`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    row = b"\x00" + b"\x00" * side
    idat = zlib.compress(row * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def video(fmt: str = "webm", frames: int = 10, width: int = 64, height: int = 48, audio: bool = True) -> bytes:
    """A short real video: ``webm`` (VP8 + Opus) or ``mp4`` (H.264 + AAC)."""
    import tempfile

    import av
    import numpy as np

    vcodec, acodec = {"webm": ("libvpx", "libopus"), "mp4": ("libx264", "aac")}[fmt]
    with tempfile.NamedTemporaryFile(suffix="." + fmt) as tmp:
        with av.open(tmp.name, "w", format=fmt) as out:
            vs = out.add_stream(vcodec, rate=10)
            vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
            ast = out.add_stream(acodec, rate=48000) if audio else None
            for i in range(frames):
                img = np.full((height, width, 3), (i * 25) % 255, dtype=np.uint8)
                for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                    out.mux(p)
            for p in vs.encode(None):
                out.mux(p)
            if ast:
                for i in range(10):
                    a = av.AudioFrame.from_ndarray(np.zeros((1, 960), dtype=np.float32), format="fltp",
                                                   layout="mono")
                    a.sample_rate, a.pts = 48000, i * 960
                    for p in ast.encode(a):
                        out.mux(p)
                for p in ast.encode(None):
                    out.mux(p)
        with open(tmp.name, "rb") as fh:
            return fh.read()
