namespace Berth.Core.Interop;

/// <summary>
/// Modes of what berthd keeps under its data root and exec root. Only root may reach either
/// tree: the data root holds container env (config.json, berth.db), logs, and image layers and
/// upper dirs that may contain setuid-root files, so an unprivileged host user who could walk
/// in could read secrets or run those files (CVE-2021-41091). As dockerd: the roots are 0710
/// (root's group may reach the API socket kept in the exec root; nobody else gets past them),
/// every directory berthd makes inside them 0700, private files (database, bundle, lock) 0600,
/// logs 0640. What a container sees keeps its usual modes (the overlay upper dir, which is the
/// container's "/", 0755; the /etc/hosts, hostname, resolv.conf files 0644): root-only parents
/// already keep host users out, and the container reaches them through its mounts.
/// Create things with these modes (Directory.CreateDirectory(path, mode), FileStreamOptions.UnixCreateMode)
/// so that nothing is ever readable by others even for a moment.
/// </summary>
public static class FileModes
{
    /// <summary>0710: the data root and the exec root.</summary>
    public const UnixFileMode Root = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute;

    /// <summary>0700: every directory berthd makes under the roots.</summary>
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>0600: database, bundles, state files.</summary>
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>0640: container logs (docker's json-file mode).</summary>
    public const UnixFileMode LogFile = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <summary>0755: directories a container sees as its own (the overlay upper dir is its "/").</summary>
    public const UnixFileMode ContainerDirectory = PrivateDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>0644: files bind-mounted into a container (/etc/hosts, /etc/hostname, /etc/resolv.conf).</summary>
    public const UnixFileMode ContainerFile = PrivateFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// Creates <paramref name="path"/> (and missing parents) with <paramref name="mode"/>; an
    /// existing directory is left as it is.
    /// </summary>
    public static void CreateDirectory(string path, UnixFileMode mode = PrivateDirectory) => Directory.CreateDirectory(path, mode);

    /// <summary>
    /// Sets <paramref name="mode"/> on an existing directory or file when it differs (roots made by
    /// older builds were 0755); a missing path is ignored. Symlinks are not followed into.
    /// </summary>
    public static void Restrict(string path, UnixFileMode mode)
    {
        var info = new FileInfo(path);
        if (!info.Exists && !Directory.Exists(path)) return;
        if (info.LinkTarget is not null) return;
        if (File.GetUnixFileMode(path) != mode) File.SetUnixFileMode(path, mode);
    }

    /// <summary>FileStream options for a new file created with <paramref name="mode"/> (open or create).</summary>
    public static FileStreamOptions Create(FileMode fileMode, FileAccess access, UnixFileMode mode, FileShare share = FileShare.None, int bufferSize = 4096, FileOptions options = FileOptions.None) =>
        new() { Mode = fileMode, Access = access, Share = share, BufferSize = bufferSize, Options = options, UnixCreateMode = mode };

    /// <summary>Writes <paramref name="text"/> to a new or truncated file created with <paramref name="mode"/>.</summary>
    public static void WriteAllText(string path, string text, UnixFileMode mode = PrivateFile)
    {
        using var stream = new FileStream(path, Create(FileMode.Create, FileAccess.Write, mode));
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        stream.Write(bytes);
    }
}
