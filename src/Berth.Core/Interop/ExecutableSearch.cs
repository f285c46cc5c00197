namespace Berth.Core.Interop;

/// <summary>
/// Finds a program the way a shell does, for the places that spawn one by name (berthd's
/// --runtime, the shim's runtime; posix_spawn does not search PATH): a name with a slash is
/// taken as given, a bare name is looked up in PATH and then in the sbin directories, which a
/// user's PATH often lacks (Debian's runc is /usr/sbin/runc).
/// </summary>
public static class ExecutableSearch
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private const string SbinDirs = "/usr/local/sbin:/usr/sbin:/sbin";

    /// <summary>The program's full path, or null when it is not there.</summary>
    public static string? Find(string name)
    {
        if (name.Contains('/')) return File.Exists(name) ? Path.GetFullPath(name) : null;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? DefaultPath) + ":" + SbinDirs;
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
