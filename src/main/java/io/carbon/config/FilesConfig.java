package io.carbon.config;

import java.nio.file.Path;
import java.util.List;

/**
 * How {@code www_path} is served.
 *
 * @param wwwPath             {@code www_path}: the document root, absolute and normalized, known to exist
 * @param indexFiles          {@code index_files}: tried in order for a directory
 * @param hideDotfiles        {@code hide_dotfiles}: any path segment starting with '.' answers 404
 * @param symlinksOutsideRoot {@code symlinks_outside_root}: follow symlinks whose target leaves the root
 * @param cacheControl        {@code cache_control}: Cache-Control on file responses (empty = none)
 */
public record FilesConfig(
        Path wwwPath,
        List<String> indexFiles,
        boolean hideDotfiles,
        boolean symlinksOutsideRoot,
        String cacheControl) {

    public FilesConfig {
        indexFiles = List.copyOf(indexFiles);
    }
}
