/* summary: <ws2tcpip.h> for Winsock programs built on Linux: the names in winsock_compat.h. */
#ifndef TCPLAB_WS2TCPIP_H
#define TCPLAB_WS2TCPIP_H

#include "winsock_compat.h"

#endif
