package io.p9gate.gateway.fs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A host directory served as a share.
 *
 * @param vm   the VM it is served to; {@link #EVERY_VM} when every connection may attach it (no policy)
 * @param name its attach name (Tattach's aname)
 * @param path the host directory
 */
public record ShareDir(String vm, String name, Path path) {
    public static final String EVERY_VM = "";

    public ShareDir {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
    }

    /** For the one-line error when it cannot be opened. */
    public String describe() {
        String share = "share '" + name + "' (" + path + ")";
        return vm.equals(EVERY_VM) ? share : "VM '" + vm + "', " + share;
    }

    /** "share 'data' of VM 'alpha' (/srv/a)", for a sentence that names two shares. */
    public String title() {
        String of = vm.equals(EVERY_VM) ? "" : " of VM '" + vm + "'";
        return "share '" + name + "'" + of + " (" + path + ")";
    }
}
