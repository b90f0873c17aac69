/* summary: <winsock2.h> for Winsock programs built on Linux: the names in winsock_compat.h. */
#ifndef TCPLAB_WINSOCK2_H
#define TCPLAB_WINSOCK2_H

#include "winsock_compat.h"

#endif
