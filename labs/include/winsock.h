/* summary: <winsock.h> for Winsock programs built on Linux: the names in winsock_compat.h. */
#ifndef TCPLAB_WINSOCK_H
#define TCPLAB_WINSOCK_H

#include "winsock_compat.h"

#endif
