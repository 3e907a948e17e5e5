/*
 * originalDst(fd): the destination a client dialled before netfilter redirected its connection.
 *
 * Contract: reads the connection-tracking record of the accepted TCP socket `fd` with
 * getsockopt(SO_ORIGINAL_DST) for IPv4 or getsockopt(IP6T_SO_ORIGINAL_DST) for IPv6, and returns
 * { host, port } (host in the usual text form, port in host byte order). A socket of the IPv6
 * family carrying an IPv4-mapped address is asked the IPv4 question first. Any failure throws an
 * Error whose `code` is the errno name (ENOENT when the kernel keeps no record for the connection,
 * ENOPROTOOPT when connection tracking is not loaded, EBADF for a closed descriptor) and whose
 * message names the call, the descriptor and the system's text for the errno. Nothing is cached.
 */
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char *errno_name(int err) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOTCONN: return "ENOTCONN";
    case EINVAL: return "EINVAL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EPERM: return "EPERM";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, const char *call, int fd, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s on descriptor %d failed: %s (%s)", call, fd, strerror(err),
           errno_name(err));
  napi_throw_error(env, errno_name(err), message);
  return NULL;
}

static napi_value address_object(napi_env env, const struct sockaddr_storage *address) {
  char text[INET6_ADDRSTRLEN];
  unsigned port;
  if (address->ss_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
  } else {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
  }
  napi_value result, host, port_value;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &host);
  napi_create_uint32(env, port, &port_value);
  napi_set_named_property(env, result, "host", host);
  napi_set_named_property(env, result, "port", port_value);
  return result;
}

/* Asks one family's question; returns 0 or the errno. */
static int ask(int fd, int level, int option, struct sockaddr_storage *out) {
  socklen_t length = sizeof *out;
  memset(out, 0, sizeof *out);
  return getsockopt(fd, level, option, out, &length) == 0 ? 0 : errno;
}

static napi_value original_dst(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "EINVAL", "originalDst expects a non-negative file descriptor number");
    return NULL;
  }
  struct sockaddr_storage local;
  socklen_t local_length = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &local_length) != 0) {
    return throw_errno(env, "getsockname", fd, errno);
  }
  struct sockaddr_storage original;
  int err;
  if (local.ss_family == AF_INET) {
    err = ask(fd, SOL_IP, SO_ORIGINAL_DST, &original);
    if (err != 0) return throw_errno(env, "getsockopt(SO_ORIGINAL_DST)", fd, err);
  } else if (local.ss_family == AF_INET6) {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&local;
    err = IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) ? ask(fd, SOL_IP, SO_ORIGINAL_DST, &original) : -1;
    if (err != 0) err = ask(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &original);
    if (err != 0) return throw_errno(env, "getsockopt(IP6T_SO_ORIGINAL_DST)", fd, err);
  } else {
    return throw_errno(env, "getsockname (not an IP socket)", fd, EAFNOSUPPORT);
  }
  return address_object(env, &original);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "originalDst", NAPI_AUTO_LENGTH, original_dst, NULL, &fn);
  napi_set_named_property(env, exports, "originalDst", fn);
  return exports;
}
