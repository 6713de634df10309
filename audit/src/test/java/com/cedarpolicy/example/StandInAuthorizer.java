package com.cedarpolicy.example;

/** Stands in for a Cedar type (the audit module has no Cedar on its classpath) in an architecture rule's test. */
public final class StandInAuthorizer {}
