{
  "targets": [
    {
      "target_name": "netstat_otel_native",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/addon.c", "native/inet_diag.c", "native/proc_fds.c", "native/proc_net.c"],
          "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
        }]
      ]
    }
  ]
}
