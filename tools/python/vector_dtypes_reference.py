"""NumPy reference for libs/contracts' half-precision vector dtypes.

stdin: {"bits": [float32 bit patterns as unsigned ints]}
stdout: {"float16": [binary16 bits from numpy's astype(float16), round to nearest even],
         "bfloat16": [upper 16 bits of the float32 after rounding to nearest even, computed here in
                      uint64 arithmetic; 65535+ marks an overflow to infinity],
         "float16_all": [every binary16 pattern decoded by numpy, as float32 bits]}
"""

import json
import sys
import warnings

import numpy as np

request = json.load(sys.stdin)
bits = np.array(request["bits"], dtype=np.uint32)
values = bits.view(np.float32)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # overflow to inf is part of what is checked
    f16 = values.astype(np.float16).view(np.uint16)

# bfloat16: drop the low 16 bits, rounding to nearest with ties to even on the 17th bit.
wide = bits.astype(np.uint64)
low = wide & 0xFFFF
high = wide >> 16
round_up = (low > 0x8000) | ((low == 0x8000) & ((high & 1) == 1))
bf16 = (high + round_up.astype(np.uint64)).astype(np.uint64)

all_f16 = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32).view(np.uint32)
json.dump({"float16": f16.tolist(), "bfloat16": bf16.tolist(), "float16_all": all_f16.tolist()}, sys.stdout)
