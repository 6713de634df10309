package io.netty.example;

/** Stands in for a Netty type (the audit module has no Netty on its classpath) in an architecture rule's test. */
public final class StandInChannel {}
