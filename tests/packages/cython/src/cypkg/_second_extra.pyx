# Included by second.pyx (as msgpack includes _packer.pyx): a Cython input,
# never a module of its own, in the sdist but not the wheel.
def thousand():
    return 10 * HUNDRED
