using Berth.Core.Errors;

namespace Berth.Engine.Runtime.Oci;

/// <summary>The container process's identity, from the rootfs's /etc/passwd and /etc/group.</summary>
/// <param name="AdditionalGids">Supplementary groups: the groups listing the user (implicit group form only), then GroupAdd.</param>
/// <param name="Home">The passwd entry's home directory; "/" when no entry matched (what runc sets HOME to then).</param>
public sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids, string Home);

/// <summary>
/// Docker's user resolution (runc libcontainer/user GetExecUser + GetAdditionalGroups, as
/// moby's getUser calls them): "", "name", "uid", "name:group", "uid:gid", "name:gid", "uid:group".
/// Numeric ids need no passwd/group entry; names do. The files are read through
/// <see cref="RootfsPath.SecureJoin"/>, so a symlinked /etc/passwd resolves inside the rootfs.
/// </summary>
public static class UserResolver
{
    private const long MaxId = int.MaxValue; // runc's maxID: ids are int32 on the kernel ABI side.

    private sealed record PasswdEntry(string Name, int Uid, int Gid, string Home);
    private sealed record GroupEntry(string Name, int Gid, string[] Members);

    public static ResolvedUser Resolve(string rootfs, string userSpec) => Resolve(rootfs, userSpec, []);

    public static ResolvedUser Resolve(string rootfs, string userSpec, IReadOnlyList<string> groupAdd)
    {
        var passwd = ReadPasswd(rootfs);
        var groups = ReadGroups(rootfs);

        // "user[:group]"; further colon-separated fields are ignored, as runc's parseLine does.
        var fields = userSpec.Split(':');
        var userArg = fields[0];
        var groupArg = fields.Length > 1 ? fields[1] : "";
        var uidIsNumber = TryParseInt(userArg, out var uidArg);
        var gidIsNumber = TryParseInt(groupArg, out var gidArg);

        // Defaults when nothing matches: root, and runc's HOME of "/".
        int uid = 0, gid = 0;
        var home = "/";
        string? matchedName = null;

        PasswdEntry? user = null;
        if (passwd is not null)
        {
            foreach (var u in passwd)
            {
                var match = userArg.Length == 0 ? u.Uid == 0 : uidIsNumber ? u.Uid == uidArg : u.Name == userArg;
                if (match) { user = u; break; }   // first match wins, even with duplicates
            }
        }
        if (user is not null)
        {
            matchedName = user.Name;
            uid = user.Uid;
            gid = user.Gid;
            home = user.Home;
        }
        else if (userArg.Length > 0)
        {
            if (!uidIsNumber)
                throw new InvalidParameterException($"unable to find user {userArg}: no matching entries in passwd file");
            uid = CheckRange(uidArg);
        }

        var additional = new List<uint>();
        if (groupArg.Length > 0 || matchedName is not null)
        {
            if (groupArg.Length > 0)
            {
                GroupEntry? g = null;
                foreach (var e in groups ?? [])
                {
                    if (gidIsNumber ? e.Gid == gidArg : e.Name == groupArg) { g = e; break; }
                }
                if (g is not null) gid = g.Gid;
                else if (!gidIsNumber) throw new InvalidParameterException($"unable to find group {groupArg}: no matching entries in group file");
                else gid = CheckRange(gidArg);
            }
            else
            {
                // Implicit form only: supplementary groups are those listing the user by name.
                foreach (var e in groups ?? [])
                    if (Array.IndexOf(e.Members, matchedName) >= 0) AddOnce(additional, (uint)e.Gid);
            }
        }

        foreach (var ag in groupAdd)
        {
            GroupEntry? g = null;
            foreach (var e in groups ?? [])
            {
                if (e.Name == ag || e.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture) == ag) { g = e; break; }
            }
            if (g is not null) { AddOnce(additional, (uint)g.Gid); continue; }
            if (!long.TryParse(ag, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n))
                throw new InvalidParameterException($"Unable to find group {ag}: no matching entries in group file");
            if (n is < 0 or > MaxId) throw RangeError();
            AddOnce(additional, (uint)n);
        }

        return new ResolvedUser((uint)uid, (uint)gid, additional, home);
    }

    private static void AddOnce(List<uint> list, uint id)
    {
        if (!list.Contains(id)) list.Add(id);
    }

    private static int CheckRange(int id) => id < 0 ? throw RangeError() : id;

    private static InvalidParameterException RangeError() =>
        new($"uids and gids must be in range 0-{MaxId}");

    /// <summary>Lines of a file inside the rootfs, or null when it does not exist (then only numeric ids work).</summary>
    private static string[]? ReadLines(string rootfs, string path)
    {
        var hostPath = RootfsPath.SecureJoin(rootfs, path);
        try
        {
            return File.ReadAllLines(hostPath);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    // name:password:UID:GID:GECOS:directory:shell
    private static List<PasswdEntry>? ReadPasswd(string rootfs)
    {
        var lines = ReadLines(rootfs, "/etc/passwd");
        if (lines is null) return null;
        var list = new List<PasswdEntry>(lines.Length);
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var f = line.Split(':');
            list.Add(new PasswdEntry(Field(f, 0), IntField(f, 2), IntField(f, 3), Field(f, 5)));
        }
        return list;
    }

    // name:password:GID:user_list
    private static List<GroupEntry>? ReadGroups(string rootfs)
    {
        var lines = ReadLines(rootfs, "/etc/group");
        if (lines is null) return null;
        var list = new List<GroupEntry>(lines.Length);
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var f = line.Split(':');
            list.Add(new GroupEntry(Field(f, 0), IntField(f, 2), Field(f, 3).Split(',')));
        }
        return list;
    }

    // Go's strconv.Atoi: optional sign, digits, nothing else (no spaces).
    private static bool TryParseInt(string s, out int value) =>
        int.TryParse(s, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value);

    private static string Field(string[] f, int i) => i < f.Length ? f[i] : "";

    // runc ignores unparsable numbers, leaving 0; so do we, for the same results on odd files.
    private static int IntField(string[] f, int i) => TryParseInt(Field(f, i), out var n) ? n : 0;
}
