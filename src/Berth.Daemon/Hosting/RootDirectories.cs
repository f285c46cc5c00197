using Berth.Core.Interop;
using Berth.Engine;

namespace Berth.Daemon.Hosting;

/// <summary>
/// Makes the data root and the exec root reachable by root only before any service opens
/// them (see <see cref="FileModes"/>): the roots 0710, the directories directly inside them
/// 0700, the database and the daemon's own files 0600. Roots made by older builds were 0755
/// throughout; tightening the roots and their top-level directories is enough to cut every
/// path into them, so layers and containers are not walked.
/// </summary>
internal static class RootDirectories
{
    private static readonly string[] DataDirectories = ["content", "layers", "containers", "image"];
    private static readonly string[] PrivateDataFiles = ["berth.db", "berth.db-wal", "berth.db-shm", "berth.lock", "berthd.pid", "engine-id"];

    /// <summary>Creates the data root with its mode (before the lock file is made in it), or tightens it.</summary>
    public static void PrepareDataRoot(string dataRoot)
    {
        FileModes.CreateDirectory(dataRoot, FileModes.Root);
        FileModes.Restrict(dataRoot, FileModes.Root);
    }

    public static void Prepare(EngineOptions engine)
    {
        PrepareDataRoot(engine.DataRoot);
        foreach (var name in DataDirectories) FileModes.CreateDirectory(Path.Combine(engine.DataRoot, name));
        foreach (var dir in Directory.EnumerateDirectories(engine.DataRoot)) FileModes.Restrict(dir, FileModes.PrivateDirectory);
        foreach (var name in PrivateDataFiles) FileModes.Restrict(Path.Combine(engine.DataRoot, name), FileModes.PrivateFile);

        FileModes.CreateDirectory(engine.ExecRoot, FileModes.Root);
        FileModes.Restrict(engine.ExecRoot, FileModes.Root);
        FileModes.CreateDirectory(engine.ShimSocketsRoot);
        FileModes.CreateDirectory(engine.RuntimeRoot);
        foreach (var dir in Directory.EnumerateDirectories(engine.ExecRoot)) FileModes.Restrict(dir, FileModes.PrivateDirectory);
    }
}
