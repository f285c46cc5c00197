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
        Directory.CreateDirectory(dataRoot);
        var path = Path.Combine(dataRoot, "berth.lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId + "\n");
            stream.Write(pid);
            stream.Flush();
            return new DataRootLock(stream);
        }
        catch (IOException)
        {
            var owner = TryReadOwner(path);
            throw new InvalidOperationException(
                $"data root {dataRoot} is in use by another berthd{(owner is null ? "" : $" (pid {owner})")}; stop it or use --data-root");
        }
    }

    private static string? TryReadOwner(string path)
    {
        try
        {
            using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var text = new StreamReader(reader);
            return text.ReadLine()?.Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _lock.Dispose();
}
