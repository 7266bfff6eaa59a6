//! A Python extension module in Zig: the Python C API through @cImport.
const std = @import("std");
const py = @cImport({
    @cDefine("PY_SSIZE_T_CLEAN", {});
    @cInclude("Python.h");
});

extern fn zigdemo_triple(x: c_long) c_long;

fn add(_: ?*py.PyObject, args: ?*py.PyObject) callconv(.c) ?*py.PyObject {
    var a: c_longlong = 0;
    var b: c_longlong = 0;
    if (py.PyArg_ParseTuple(args, "LL", &a, &b) == 0) return null;
    return py.PyLong_FromLongLong(a +% b);
}

fn fib(_: ?*py.PyObject, arg: ?*py.PyObject) callconv(.c) ?*py.PyObject {
    const n = py.PyLong_AsLong(arg);
    if (n == -1 and py.PyErr_Occurred() != null) return null;
    if (n < 0 or n > 92) {
        py.PyErr_SetString(py.PyExc_ValueError, "n must be in 0..92");
        return null;
    }
    var a: c_longlong = 0;
    var b: c_longlong = 1;
    var i: c_long = 0;
    while (i < n) : (i += 1) {
        const next = a + b;
        a = b;
        b = next;
    }
    return py.PyLong_FromLongLong(a);
}

fn triple(_: ?*py.PyObject, arg: ?*py.PyObject) callconv(.c) ?*py.PyObject {
    const x = py.PyLong_AsLong(arg);
    if (x == -1 and py.PyErr_Occurred() != null) return null;
    return py.PyLong_FromLong(zigdemo_triple(x));
}

var methods = [_]py.PyMethodDef{
    .{ .ml_name = "add", .ml_meth = @ptrCast(&add), .ml_flags = py.METH_VARARGS, .ml_doc = "add(a, b)" },
    .{ .ml_name = "fib", .ml_meth = @ptrCast(&fib), .ml_flags = py.METH_O, .ml_doc = "fib(n)" },
    .{ .ml_name = "triple", .ml_meth = @ptrCast(&triple), .ml_flags = py.METH_O, .ml_doc = "triple(x), in C" },
    std.mem.zeroes(py.PyMethodDef),
};

var module = py.PyModuleDef{
    .m_base = std.mem.zeroes(py.PyModuleDef_Base),
    .m_name = "_core",
    .m_doc = "Written in Zig.",
    .m_size = -1,
    .m_methods = &methods,
    .m_slots = null,
    .m_traverse = null,
    .m_clear = null,
    .m_free = null,
};

export fn PyInit__core() ?*py.PyObject {
    return py.PyModule_Create2(&module, py.PYTHON_API_VERSION);
}
