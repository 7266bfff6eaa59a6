#include <Python.h>
#include "not_installed_anywhere.h"
