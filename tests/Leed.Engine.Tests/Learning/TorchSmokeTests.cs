using TorchSharp;
using static TorchSharp.torch;

namespace Leed.Engine.Tests.Learning;

public sealed class TorchSmokeTests
{
    [Fact]
    public void TinyNetwork_TrainsOnXor_LossFalls()
    {
        torch.manual_seed(7);
        using var x = tensor(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, 4, 2);   // [4, 2]
        using var y = tensor(new float[] { 0, 1, 1, 0 }, 4, 1);               // [4, 1]
        using var model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1));
        using var optimizer = optim.Adam(model.parameters(), lr: 0.05);

        float first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            optimizer.step();
            float value = loss.item<float>();
            if (step == 0) first = value;
            last = value;
        }

        Assert.True(last < first * 0.05f, $"loss went from {first} to {last}");
    }
}
