"""The archives zlig writes: the wheel, the sdist and the editable wheel
(flit-core subclasses), and which files go into each.

Floor 3 of 7. May import builder, platforms, config and runtime; never commands
or the face.
"""
