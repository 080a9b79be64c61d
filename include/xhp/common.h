/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: declarations shared by every public header.
 */
#ifndef XHP_COMMON_H
#define XHP_COMMON_H

#if defined(__GNUC__) && __GNUC__ >= 4
#define XHP_EXPORT __attribute__((visibility("default")))
#else
#define XHP_EXPORT
#endif

#ifdef __cplusplus
#define XHP_BEGIN_DECLS extern "C" {
#define XHP_END_DECLS }
#else
#define XHP_BEGIN_DECLS
#define XHP_END_DECLS
#endif

#endif /* XHP_COMMON_H */
