using System.Diagnostics;
using Berth.Engine.Runtime.Oci;
using Xunit;

namespace Berth.Engine.Tests.Oci;

/// <summary>
/// Validates generated config.json files against the OCI runtime-spec JSON schema (copied into
/// Schemas/oci-runtime-spec from shared/specs), with python3-jsonschema (there is no maintained
/// draft-04 validator for System.Text.Json). Skipped, with the reason, without it.
/// </summary>
public sealed class SchemaValidationTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string SchemaDir = Path.Combine(AppContext.BaseDirectory, "Schemas", "oci-runtime-spec");
    private readonly TempRootfs _fs = new();

    public void Dispose() => _fs.Dispose();

    private const string Validator = """
        import json, sys, pathlib, jsonschema
        from jsonschema import Draft4Validator, RefResolver
        d = pathlib.Path(sys.argv[1])
        store = {}
        for f in d.glob("*.json"):
            s = json.loads(f.read_text())
            store[f.name] = s
            store["file://" + str(f)] = s
        schema = store["config-schema.json"]
        resolver = RefResolver(base_uri="file://" + str(d) + "/", referrer=schema, store=store)
        errors = []
        for path in sys.argv[2:]:
            doc = json.loads(pathlib.Path(path).read_text())
            for e in Draft4Validator(schema, resolver=resolver).iter_errors(doc):
                errors.append(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        print("\n".join(errors) if errors else "valid")
        sys.exit(1 if errors else 0)
        """;

    [Fact]
    public async Task GeneratedConfigsValidateAgainstTheRuntimeSpecSchema()
    {
        Assert.True(File.Exists(Path.Combine(SchemaDir, "config-schema.json")), $"the schema is missing from {SchemaDir}");
        // Debian's python3 with python3-jsonschema, which scripts/test installs.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        Assert.SkipUnless(await HasJsonSchemaAsync(python), $"needs {python} with the jsonschema module (Debian: python3-jsonschema)");
        var files = new List<string>();
        var variants = new (string Name, Func<ContainerSpecInput, ContainerSpecInput> Change)[]
        {
            ("default", i => i),
            ("privileged", i => i with { Config = i.Config with { Tty = true, Domainname = "example.org" }, Host = i.Host with { Privileged = true } }),
            ("user", i => i with
            {
                NetworkNamespacePath = "/run/netns/x",
                Mounts = [new("/tmp", "/data", true, "rshared")],
                Config = i.Config with { User = "app", WorkingDir = "/w" },
                Host = i.Host with { CapAdd = ["SYS_ADMIN"], CapDrop = ["ALL"], Memory = 1 << 26, MemorySwap = 1 << 27, NanoCpus = 500_000_000, CpuShares = 256, PidsLimit = 64, SecurityOpt = ["no-new-privileges"] },
            }),
        };
        foreach (var (name, change) in variants)
        {
            var input = change(new ContainerSpecInput
            {
                Id = "x",
                RootfsPath = _fs.Rootfs,
                Args = ["sh"],
                CgroupsPath = "/berth/x",
                Config = new() { Env = ["A=B"], Hostname = "x" },
            });
            var path = Path.Combine(_fs.Dir, name + ".json");
            await File.WriteAllBytesAsync(path, OciSpecBuilder.Serialize(OciSpecBuilder.Build(input, OciHostInfo.Current with { CgroupV2 = true })), TestContext.Current.CancellationToken);
            files.Add(path);
        }

        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-W", "ignore", "-c", Validator, SchemaDir }.Concat(files)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var ct = TestContext.Current.CancellationToken;
        var stdout = await p.StandardOutput.ReadToEndAsync(ct);
        var stderr = await p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        output.WriteLine(stdout + stderr);
        Assert.Equal("valid", stdout.Trim());
    }

    private static async Task<bool> HasJsonSchemaAsync(string python)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-W", "ignore", "-c", "import jsonschema" }) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            await p.WaitForExitAsync(TestContext.Current.CancellationToken);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no python3 at all
        }
    }
}
