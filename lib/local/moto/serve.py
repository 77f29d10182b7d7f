"""moto_server with S3's CRC-64/NVME checksums computed as S3 computes them (see crc64nvme.c).

Usage: python3 serve.py LIBRARY [moto_server arguments...], LIBRARY being crc64nvme.c built as a
shared object. moto falls back to CRC32 for CRC64NVME without awscrt; every module that imported
its compute_checksum gets one that does not.
"""
import base64
import ctypes
import sys

library = ctypes.CDLL(sys.argv.pop(1))
library.crc64nvme.restype = ctypes.c_uint64
library.crc64nvme.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]

import moto.s3.models  # noqa: E402
import moto.s3.responses  # noqa: E402
import moto.s3.utils  # noqa: E402
from moto.server import main  # noqa: E402

moto_checksum = moto.s3.utils.compute_checksum


def compute_checksum(body, algorithm, encode_base64=True):
    if algorithm != "CRC64NVME":
        return moto_checksum(body, algorithm, encode_base64)
    digest = library.crc64nvme(bytes(body), len(body), 0).to_bytes(8, "big")
    return base64.b64encode(digest) if encode_base64 else digest


for module in (moto.s3.utils, moto.s3.models, moto.s3.responses):
    module.compute_checksum = compute_checksum

sys.exit(main())
