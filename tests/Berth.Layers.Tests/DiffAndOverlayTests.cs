using System.Formats.Tar;
using System.Text;
using Berth.Core.Interop;
using Berth.Layers.Overlay;
using static Berth.Layers.Tests.Tars;

namespace Berth.Layers.Tests;

public sealed class DiffAndOverlayTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly LayerStore _store;

    public DiffAndOverlayTests() => _store = new LayerStore(Path.Combine(_temp.Path, "layers"));

    public void Dispose() => _temp.Dispose();

    private static readonly DateTimeOffset DirTime = new(2019, 5, 6, 7, 8, 9, TimeSpan.Zero);

    private static TarEntry[] RichLayer() =>
    [
        Dir("bin/", mtime: DirTime),
        File("bin/su", "su", mode: 0b100_111_101_101, uid: 0, gid: 0),
        Dir("dev/", mtime: DirTime),
        Device(TarEntryType.CharacterDevice, "dev/null", 1, 3),
        Dir("etc/", mtime: DirTime),
        Whiteout("etc/.wh.gone"),
        File("etc/conf", "key=value", mode: 0b110_100_000, uid: 1000, gid: 1000, xattrs: new() { ["user.test"] = "hello" }),
        HardLink("etc/hard", "etc/conf"),
        Symlink("etc/link", "conf"),
        Dir("run/", mode: 0b111_111_111 | 0b1_000_000_000, mtime: DirTime),
        Device(TarEntryType.Fifo, "run/fifo", 0, 0),
        Dir("var/", uid: 33, gid: 33, mtime: DirTime),
        Whiteout("var/.wh..wh..opq"),
        File("var/new", "fresh"),
    ];

    private async Task<byte[]> Diff(string upper)
    {
        var output = new MemoryStream();
        await _store.WriteDiffAsync(upper, output, default);
        return output.ToArray();
    }

    /// <summary>What a tar says about each entry, comparable across writers.</summary>
    private static async Task<List<string>> Describe(byte[] tar)
    {
        var result = new List<string>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (await reader.GetNextEntryAsync(copyData: true) is { } e)
        {
            var content = e.DataStream is null ? "" : await new StreamReader(e.DataStream, Encoding.UTF8).ReadToEndAsync();
            var xattrs = e is PaxTarEntry pax
                ? string.Join(";", pax.ExtendedAttributes.Where(a => a.Key.StartsWith("SCHILY.xattr.")).Select(a => $"{a.Key}={a.Value}").Order())
                : "";
            var device = e is PosixTarEntry { EntryType: TarEntryType.CharacterDevice or TarEntryType.BlockDevice } p
                ? $"{p.DeviceMajor}:{p.DeviceMinor}"
                : "";
            // A hardlink's header metadata is the shared inode's; an opaque marker's is its
            // directory's (it exists only as an xattr): neither survives a round trip as such.
            if (e.EntryType == TarEntryType.HardLink || e.Name.EndsWith("/.wh..wh..opq"))
            {
                result.Add($"{e.Name} {e.EntryType} link={e.LinkName}");
                continue;
            }
            result.Add($"{e.Name.TrimEnd('/')} {e.EntryType} {Convert.ToString((int)e.Mode, 8)} {e.Uid}:{e.Gid} " +
                $"{e.ModificationTime.ToUnixTimeSeconds()} link={e.LinkName} dev={device} [{content}] {xattrs}");
        }
        return result;
    }

    [Fact]
    public async Task WriteDiffRoundTripsAnAppliedLayer()
    {
        var original = Build(RichLayer());
        var layer = await _store.ApplyAsync(null, new MemoryStream(original), null, TestContext.Current.CancellationToken);

        // A layer's diff dir is in overlay form, exactly like a container's upper dir.
        var diff = await Diff(layer.DiffPath);
        Assert.Equal((await Describe(original)).Order(), (await Describe(diff)).Order());

        // Deterministic: the same tree gives the same bytes; no atime/ctime noise in PAX headers.
        Assert.Equal(diff, await Diff(layer.DiffPath));
        Assert.DoesNotContain("atime=", Encoding.ASCII.GetString(diff));
        Assert.DoesNotContain("ctime=", Encoding.ASCII.GetString(diff));

        // Sorted, parents before children.
        var names = (await Describe(diff)).Select(d => d.Split(' ')[0]).ToList();
        Assert.True(names.IndexOf("etc") < names.IndexOf("etc/.wh.gone"));
        Assert.True(names.IndexOf("var") < names.IndexOf("var/.wh..wh..opq"));
        Assert.True(names.IndexOf("etc/conf") < names.IndexOf("etc/hard"));

        // Re-applying the written diff gives a layer that writes the same diff again.
        var reapplied = await new LayerStore(_temp.Sub("again")).ApplyAsync(null, new MemoryStream(diff), null, TestContext.Current.CancellationToken);
        Assert.Equal(diff, await Diff(reapplied.DiffPath));
    }

    [Fact]
    public async Task OverlayMountShowsMergedViewWithWhiteoutsAndUpperChanges()
    {
        var bottom = await _store.ApplyAsync(null, new MemoryStream(Build(
            File("a", "from bottom"), File("b", "kept"), File("d/x", "hidden by opaque"), File("del", "deleted in upper"))), null, TestContext.Current.CancellationToken);
        var top = await _store.ApplyAsync(bottom, new MemoryStream(Build(
            Whiteout(".wh.a"), File("c", "from top"), Dir("d/"), Whiteout("d/.wh..wh..opq"), File("d/y", "only this"))), null, TestContext.Current.CancellationToken);

        var upper = _temp.Sub("upper");
        var work = _temp.Sub("work");
        var merged = _temp.Sub("merged");
        OverlayMount.Mount(_store.GetLowerDirs(top.ChainId), upper, work, merged);
        try
        {
            Assert.False(System.IO.File.Exists(Path.Combine(merged, "a")));
            Assert.Equal("kept", await System.IO.File.ReadAllTextAsync(Path.Combine(merged, "b"), TestContext.Current.CancellationToken));
            Assert.Equal("from top", await System.IO.File.ReadAllTextAsync(Path.Combine(merged, "c"), TestContext.Current.CancellationToken));
            Assert.Equal(["y"], Directory.GetFileSystemEntries(Path.Combine(merged, "d")).Select(Path.GetFileName));

            System.IO.File.Delete(Path.Combine(merged, "del"));
            await System.IO.File.WriteAllTextAsync(Path.Combine(merged, "new"), "container wrote this", TestContext.Current.CancellationToken);
        }
        finally
        {
            Assert.True(OverlayMount.Unmount(merged));
        }
        Assert.False(OverlayMount.Unmount(merged));
        Assert.Empty(Directory.GetFileSystemEntries(merged));

        var changes = (await Describe(await Diff(upper))).Select(d => d.Split(' ')[0]).ToList();
        Assert.Equal([".wh.del", "new"], changes);
    }

    [Fact]
    public async Task ManyLayersWithLongPathsStillMount()
    {
        // 120 lower dirs of ~150-byte paths: far beyond one page of mount options.
        var lowers = new List<string>();
        for (var i = 0; i < 120; i++)
        {
            var dir = _temp.Sub($"lower-{i:D3}-{new string('n', 100)}");
            await System.IO.File.WriteAllTextAsync(Path.Combine(dir, $"file{i}"), i.ToString(), TestContext.Current.CancellationToken);
            lowers.Add(dir);
        }
        Assert.True(string.Join(":", lowers).Length > OverlayMount.MaxOptionsLength);
        var merged = _temp.Sub("merged");
        OverlayMount.Mount(lowers, _temp.Sub("upper"), _temp.Sub("work"), merged);
        try
        {
            Assert.Equal(120, Directory.GetFiles(merged).Length);
        }
        finally
        {
            OverlayMount.Unmount(merged);
        }
    }

    [Fact]
    public void MountFailureNamesErrno()
    {
        var error = Assert.Throws<LinuxException>(() =>
            OverlayMount.Mount([Path.Combine(_temp.Path, "missing")], _temp.Sub("u"), _temp.Sub("w"), _temp.Sub("m")));
        Assert.Contains("errno", error.Message);
        Assert.Contains(_temp.Path, error.Message);
    }
}
