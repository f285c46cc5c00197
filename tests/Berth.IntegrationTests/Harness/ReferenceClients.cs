namespace Berth.IntegrationTests.Harness;

/// <summary>skopeo and podman (Debian's) as reference registry clients, each podman with its own storage.</summary>
public static class ReferenceClients
{
    public const string SkopeoBinary = "/usr/bin/skopeo";
    public const string PodmanBinary = "/usr/bin/podman";

    public static Task<CommandResult> Skopeo(params string[] args) =>
        ProcessRunner.RunAsync(SkopeoBinary, args, timeout: TimeSpan.FromMinutes(5));

    /// <summary>podman on a private store under <paramref name="root"/> (vfs: no mounts to leave behind).</summary>
    public static Task<CommandResult> Podman(string root, params string[] args)
    {
        // Its logins go to a file of this run's, never to the host's.
        var authFile = Path.Combine(root, "auth.json");
        Directory.CreateDirectory(root);
        if (!File.Exists(authFile)) File.WriteAllText(authFile, """{"auths":{}}""");
        return ProcessRunner.RunAsync(PodmanBinary,
            ["--root", Path.Combine(root, "storage"), "--runroot", Path.Combine(root, "run"), "--storage-driver", "vfs", .. args],
            new Dictionary<string, string> { ["REGISTRY_AUTH_FILE"] = authFile },
            timeout: TimeSpan.FromMinutes(5));
    }
}
