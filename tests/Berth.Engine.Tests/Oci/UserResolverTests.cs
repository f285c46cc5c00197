using Berth.Core.Errors;
using Berth.Engine.Runtime.Oci;
using Xunit;

namespace Berth.Engine.Tests.Oci;

public sealed class UserResolverTests : IDisposable
{
    private readonly TempRootfs _fs = new();

    public void Dispose() => _fs.Dispose();

    [Fact]
    public void EmptySpecIsRootWithRootHome()
    {
        var u = UserResolver.Resolve(_fs.Rootfs, "");
        Assert.Equal(new ResolvedUser(0, 0, [], "/root"), u with { AdditionalGids = [] });
        Assert.Empty(u.AdditionalGids);
    }

    [Fact]
    public void NameGivesUidGidHomeAndTheGroupsListingTheUser()
    {
        var u = UserResolver.Resolve(_fs.Rootfs, "app");
        Assert.Equal(1000u, u.Uid);
        Assert.Equal(1000u, u.Gid);
        Assert.Equal("/home/app", u.Home);
        Assert.Equal([50u, 999u], u.AdditionalGids);
    }

    [Fact]
    public void NumericUidInPasswdUsesItsEntry()
    {
        var u = UserResolver.Resolve(_fs.Rootfs, "1000");
        Assert.Equal((1000u, 1000u, "/home/app"), (u.Uid, u.Gid, u.Home));
        Assert.Equal([50u, 999u], u.AdditionalGids);
    }

    [Fact]
    public void NumericUidNotInPasswdIsAllowedWithHomeSlash()
    {
        var u = UserResolver.Resolve(_fs.Rootfs, "4242");
        Assert.Equal((4242u, 0u, "/"), (u.Uid, u.Gid, u.Home));
        Assert.Empty(u.AdditionalGids);
    }

    [Fact]
    public void ExplicitGroupReplacesGidAndDropsImplicitSupplementaryGroups()
    {
        var byName = UserResolver.Resolve(_fs.Rootfs, "app:staff");
        Assert.Equal((1000u, 50u), (byName.Uid, byName.Gid));
        Assert.Empty(byName.AdditionalGids);

        var byIds = UserResolver.Resolve(_fs.Rootfs, "1000:5");
        Assert.Equal((1000u, 5u), (byIds.Uid, byIds.Gid));

        var numericUnknown = UserResolver.Resolve(_fs.Rootfs, "app:7777");
        Assert.Equal(7777u, numericUnknown.Gid);

        var uidAndName = UserResolver.Resolve(_fs.Rootfs, "4242:staff");
        Assert.Equal((4242u, 50u, "/"), (uidAndName.Uid, uidAndName.Gid, uidAndName.Home));
    }

    [Fact]
    public void UnknownNamesFailWithDockersMessages()
    {
        var e = Assert.Throws<InvalidParameterException>(() => UserResolver.Resolve(_fs.Rootfs, "nobody"));
        Assert.Equal("unable to find user nobody: no matching entries in passwd file", e.Message);
        Assert.Equal(ErrorKind.InvalidParameter, e.Kind);

        var g = Assert.Throws<InvalidParameterException>(() => UserResolver.Resolve(_fs.Rootfs, "app:nogroup"));
        Assert.Equal("unable to find group nogroup: no matching entries in group file", g.Message);
    }

    [Fact]
    public void GroupAddAcceptsNamesAndNumbersInOrderWithoutDuplicates()
    {
        var u = UserResolver.Resolve(_fs.Rootfs, "app", ["tty", "1234", "staff"]);
        Assert.Equal([50u, 999u, 5u, 1234u], u.AdditionalGids);
        var e = Assert.Throws<InvalidParameterException>(() => UserResolver.Resolve(_fs.Rootfs, "app", ["nosuch"]));
        Assert.Equal("Unable to find group nosuch: no matching entries in group file", e.Message);
    }

    [Fact]
    public void WithoutPasswdOnlyNumericUsersWork()
    {
        using var bare = new TempRootfs(withEtc: false);
        Assert.Equal(new ResolvedUser(0, 0, [], "/"), UserResolver.Resolve(bare.Rootfs, "") with { AdditionalGids = [] });
        Assert.Equal(33u, UserResolver.Resolve(bare.Rootfs, "33:44").Uid);
        Assert.Throws<InvalidParameterException>(() => UserResolver.Resolve(bare.Rootfs, "app"));
    }

    [Fact]
    public void SymlinkedPasswdPointingOutsideTheRootfsIsResolvedInsideIt()
    {
        // A host file the image must never be able to read through its /etc/passwd.
        var outside = Path.Combine(_fs.Dir, "host-passwd");
        File.WriteAllText(outside, "evil:x:0:0:evil:/evil:/bin/sh\nroot:x:0:0::/host-root:/bin/sh\n");
        var passwd = Path.Combine(_fs.Rootfs, "etc/passwd");
        File.Delete(passwd);
        File.CreateSymbolicLink(passwd, outside);                  // absolute link → inside the rootfs
        Assert.Throws<InvalidParameterException>(() => UserResolver.Resolve(_fs.Rootfs, "evil"));
        Assert.Equal("/", UserResolver.Resolve(_fs.Rootfs, "").Home);

        File.Delete(passwd);
        File.CreateSymbolicLink(passwd, "../../../host-passwd");   // relative escape, clamped at /
        Assert.Throws<InvalidParameterException>(() => UserResolver.Resolve(_fs.Rootfs, "evil"));

        // A link that stays inside the rootfs is followed.
        File.WriteAllText(Path.Combine(_fs.Rootfs, "etc/real-passwd"), "evil:x:7:7::/in:/bin/sh\n");
        File.Delete(passwd);
        File.CreateSymbolicLink(passwd, "/etc/../etc/real-passwd");
        Assert.Equal((7u, "/in"), (UserResolver.Resolve(_fs.Rootfs, "evil").Uid, UserResolver.Resolve(_fs.Rootfs, "evil").Home));
    }
}
