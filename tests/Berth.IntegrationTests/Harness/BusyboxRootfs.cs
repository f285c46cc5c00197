namespace Berth.IntegrationTests.Harness;

/// <summary>The busybox rootfs tar, made once per test run by scripts/lib/busybox-rootfs.</summary>
public static class BusyboxRootfs
{
    private static readonly Lazy<Task<byte[]>> Tar = new(async () =>
    {
        var script = Path.Combine(BerthDaemon.BinDir, "..", "scripts", "lib", "busybox-rootfs");
        var path = Path.Combine(Path.GetTempPath(), $"berth-it-busybox-{Environment.ProcessId}.tar");
        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"'{script}' > '{path}'"]);
        if (result.ExitCode != 0) throw new InvalidOperationException("busybox-rootfs failed: " + result);
        var bytes = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        return bytes;
    });

    public static Task<byte[]> TarAsync() => Tar.Value;
}
