// The header compiles as C++17 (with -Wall -Wextra -Wpedantic -Werror) and its items are
// usable from C++.
#include "scanx.h"

static_assert(SCANX_OK == 0, "SCANX_OK is 0");
static_assert(SCANX_TRUNCATED == 203, "core's codes");

int scanx_header_cxx_check();
int scanx_header_cxx_check() {
    scanx_plane_info info{};
    scanx_status (*open)(const char *, const scanx_read_options *, scanx_reader **) = &scanx_reader_open_path;
    scanx_read_options options{};
    options.flags = SCANX_READ_NO_DIGEST_CHECK;
    return static_cast<int>(info.width + options.flags) + (open != nullptr ? 1 : 0);
}
