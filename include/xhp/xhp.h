/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: host side of virtual-machine device hotplug on Linux.
 * Include this umbrella header; link with pkg-config libxhp or the CMake
 * target xhp::xhp.
 */
#ifndef XHP_XHP_H
#define XHP_XHP_H

#include <xhp/common.h>
#include <xhp/version.h>
#include <xhp/ctx.h>
#include <xhp/settings.h>
#include <xhp/request.h>
#include <xhp/result.h>
#include <xhp/device.h>
#include <xhp/lock.h>
#include <xhp/script.h>
#include <xhp/inspect.h>
#include <xhp/job.h>
#include <xhp/host.h>

#endif /* XHP_XHP_H */
