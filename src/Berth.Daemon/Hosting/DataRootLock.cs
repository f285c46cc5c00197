using Berth.Core.Interop;

namespace Berth.Daemon.Hosting;

/// <summary>
/// Exclusive ownership of a data root: an flock on &lt;data-root&gt;/berth.lock (FileShare.None is
/// an advisory flock on Linux), held for the daemon's lifetime, so a second daemon refuses to start.
/// </summary>
public sealed class DataRootLock : IDisposable
{
    private readonly FileStream _lock;

    private DataRootLock(FileStream lockFile) => _lock = lockFile;

    public static DataRootLock Acquire(string dataRoot)
    {
        RootDirectories.PrepareDataRoot(dataRoot);
        var path = Path.Combine(dataRoot, "berth.lock");
        try
        {
            var stream = new FileStream(path, FileModes.Create(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileModes.PrivateFile));
            // The owner's pid lives beside the lock: the locked file cannot be read by the loser.
            FileModes.WriteAllText(OwnerPath(dataRoot), Environment.ProcessId + "\n");
            return new DataRootLock(stream);
        }
        catch (IOException)
        {
            var owner = TryReadOwner(OwnerPath(dataRoot));
            throw new InvalidOperationException(
                $"data root {dataRoot} is in use by another berthd{(owner is null ? "" : $" (pid {owner})")}; stop it or use --data-root");
        }
    }

    private static string OwnerPath(string dataRoot) => Path.Combine(dataRoot, "berthd.pid");

    private static string? TryReadOwner(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _lock.Dispose();
}
