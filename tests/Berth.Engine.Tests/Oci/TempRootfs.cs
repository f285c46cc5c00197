namespace Berth.Engine.Tests.Oci;

/// <summary>A throw-away root filesystem with its own /etc/passwd and /etc/group.</summary>
internal sealed class TempRootfs : IDisposable
{
    public const string Passwd = """
        root:x:0:0:root:/root:/bin/sh
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        app:x:1000:1000:App User:/home/app:/bin/sh
        nohome:x:1001:1001::/nonexistent:/bin/sh
        """;

    public const string Group = """
        root:x:0:
        daemon:x:1:
        tty:x:5:
        staff:x:50:app,other
        app:x:1000:
        docker:x:999:nohome,app
        """;

    public TempRootfs(bool withEtc = true)
    {
        Dir = Path.Combine(Path.GetTempPath(), "berth-oci-" + Guid.NewGuid().ToString("N")[..12]);
        Rootfs = Path.Combine(Dir, "rootfs");
        Directory.CreateDirectory(Rootfs);
        if (withEtc)
        {
            Directory.CreateDirectory(Path.Combine(Rootfs, "etc"));
            File.WriteAllText(Path.Combine(Rootfs, "etc/passwd"), Passwd + "\n");
            File.WriteAllText(Path.Combine(Rootfs, "etc/group"), Group + "\n");
        }
    }

    /// <summary>Holds rootfs/ (and the bundle's config.json, for end-to-end runs).</summary>
    public string Dir { get; }
    public string Rootfs { get; }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
