using Berth.Core.Interop;
using Berth.Engine.Runtime.Oci;
using Xunit;

namespace Berth.Engine.Tests.Oci;

public sealed class RootfsPathTests : IDisposable
{
    private readonly TempRootfs _fs = new();

    public void Dispose() => _fs.Dispose();

    [Theory]
    [InlineData("/a/b", "/a/b")]
    [InlineData("a/../../../x", "/x")]
    [InlineData("/../../etc/passwd", "/etc/passwd")]
    [InlineData("//etc/./passwd", "/etc/passwd")]
    [InlineData("/", "")]
    public void LexicalPathsStayUnderTheRoot(string path, string expected) =>
        Assert.Equal(_fs.Rootfs + expected, RootfsPath.SecureJoin(_fs.Rootfs, path));

    [Fact]
    public void SymlinksResolveAsIfTheRootfsWereSlash()
    {
        Directory.CreateDirectory(Path.Combine(_fs.Rootfs, "real"));
        File.CreateSymbolicLink(Path.Combine(_fs.Rootfs, "abs"), "/real");
        File.CreateSymbolicLink(Path.Combine(_fs.Rootfs, "up"), "../../../../..");
        File.CreateSymbolicLink(Path.Combine(_fs.Rootfs, "host"), _fs.Dir);
        Assert.Equal(_fs.Rootfs + "/real/x", RootfsPath.SecureJoin(_fs.Rootfs, "/abs/x"));
        Assert.Equal(_fs.Rootfs + "/etc", RootfsPath.SecureJoin(_fs.Rootfs, "/up/etc"));
        Assert.Equal(_fs.Rootfs + _fs.Dir + "/rootfs", RootfsPath.SecureJoin(_fs.Rootfs, "/host/rootfs"));
    }

    [Fact]
    public void SymlinkLoopsFail()
    {
        File.CreateSymbolicLink(Path.Combine(_fs.Rootfs, "loop"), "/loop");
        Assert.Throws<IOException>(() => RootfsPath.SecureJoin(_fs.Rootfs, "/loop/x"));
    }

    [Fact]
    public void MkdirAllCreatesMissingDirsOwnedByTheUserThroughInnerSymlinksOnly()
    {
        Directory.CreateDirectory(Path.Combine(_fs.Rootfs, "srv"));
        File.CreateSymbolicLink(Path.Combine(_fs.Rootfs, "work"), "../../srv");     // clamped: /srv
        File.CreateSymbolicLink(Path.Combine(_fs.Rootfs, "escape"), _fs.Dir + "/outside");

        var made = RootfsPath.MkdirAll(_fs.Rootfs, "/work/app/data", 1000, 1001);
        Assert.Equal(_fs.Rootfs + "/srv/app/data", made);
        Assert.True(Libc.TryLStat(made, out var st));
        Assert.Equal((1000u, 1001u, 0x41EDu), (st.Uid, st.Gid, (uint)st.Mode));
        Assert.True(Libc.TryLStat(_fs.Rootfs + "/srv", out var existing));
        Assert.Equal(0u, existing.Uid); // pre-existing directories keep their owner

        RootfsPath.MkdirAll(_fs.Rootfs, "/escape/x", 0, 0);
        Assert.False(Directory.Exists(Path.Combine(_fs.Dir, "outside")));
        Assert.True(Directory.Exists(_fs.Rootfs + _fs.Dir + "/outside/x"));
    }

    [Fact]
    public void MkdirAllOverAFileIsRefused()
    {
        File.WriteAllText(Path.Combine(_fs.Rootfs, "file"), "");
        Assert.Throws<Berth.Core.Errors.InvalidParameterException>(() => RootfsPath.MkdirAll(_fs.Rootfs, "/file", 0, 0));
        Assert.Throws<Berth.Core.Errors.InvalidParameterException>(() => RootfsPath.MkdirAll(_fs.Rootfs, "/file/sub", 0, 0));
    }
}
