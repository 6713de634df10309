package io.p9gate.gateway.backend;

/** A fresh handle and the stat it was examined with (one statx, for whoever needs it next). */
record Examined(Node node, FileStat stat) {}
