"""The book's bilingual glossary (English / 中文) as data: term, Chinese term, a definition, the section.

``TERMS`` lists every term once with the notebook (path under ``chapters/``) that teaches it. Terms are
matched case-insensitively against the markdown of that notebook by ``tests/test_glossary.py``.
:func:`markdown_table` renders the glossary for Appendix B; :func:`section_link` gives the relative link.
No framework is imported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Term:
    """One entry; ``notebook`` is a path under ``chapters/``, e.g. ``"04_math/04_02_vae_math.ipynb"``."""

    english: str
    chinese: str
    definition: str
    notebook: str


TERMS: tuple[Term, ...] = (
    Term('generative model', '生成模型',
         'A model of how the data are distributed, p(x) or p(x, y), that can score and draw new examples.',
         '02_concepts/02_01_generative_models.ipynb'),
    Term('discriminative model', '判别模型',
         'A model of p(y | x): it predicts a label from an input but cannot draw inputs.',
         '09_appendix/09_01_faq.ipynb'),
    Term('generative adversarial network', '生成对抗网络',
         'A generator and a discriminator trained against each other until generated samples pass '
         'for real ones.',
         '03_algorithms/03_01_gan_basics.ipynb'),
    Term('generator', '生成器',
         'The network that maps random noise z to a sample G(z).',
         '03_algorithms/03_01_gan_basics.ipynb'),
    Term('discriminator', '判别器',
         'The network that outputs the probability that its input is real rather than generated.',
         '03_algorithms/03_01_gan_basics.ipynb'),
    Term('adversarial training', '对抗训练',
         'Alternating updates of discriminator and generator on opposed objectives (a two-player game).',
         '03_algorithms/03_01_gan_basics.ipynb'),
    Term('minimax', '极小极大',
         "The game min over G, max over D of one value function: the GAN's objective.",
         '04_math/04_01_gan_math.ipynb'),
    Term('mode collapse', '模式崩溃',
         "A generator that covers only some of the data's modes, e.g. draws only a few digit classes.",
         '03_algorithms/03_01_gan_basics.ipynb'),
    Term('non-saturating loss', '非饱和损失',
         'The generator loss -log D(G(z)), which keeps gradients large when the discriminator wins.',
         '04_math/04_01_gan_math.ipynb'),
    Term('variational autoencoder', '变分自编码器',
         'An encoder to a latent distribution and a decoder back, trained by maximising the ELBO.',
         '03_algorithms/03_02_vae_basics.ipynb'),
    Term('encoder', '编码器',
         'The network that maps an input to (the parameters of) a latent code.',
         '03_algorithms/03_02_vae_basics.ipynb'),
    Term('decoder', '解码器',
         'The network that maps a latent code back to (the distribution of) an input.',
         '03_algorithms/03_02_vae_basics.ipynb'),
    Term('latent space', '潜在空间',
         'The space of codes z from which a model generates; nearby codes give similar outputs.',
         '03_algorithms/03_02_vae_basics.ipynb'),
    Term('prior', '先验',
         "The distribution assumed for a variable before seeing data, e.g. p(z) = N(0, I) for a VAE's code.",
         '03_algorithms/03_02_vae_basics.ipynb'),
    Term('posterior', '后验',
         'The distribution of a variable after seeing data, e.g. p(z | x).',
         '04_math/04_02_vae_math.ipynb'),
    Term('ELBO', '证据下界',
         "The evidence lower bound E_q[log p(x|z)] - KL(q(z|x) || p(z)) <= log p(x), the VAE's objective.",
         '04_math/04_02_vae_math.ipynb'),
    Term('KL divergence', 'KL 散度',
         'KL(q || p) = E_q[log q - log p] >= 0: how much q differs from p, in nats.',
         '04_math/04_02_vae_math.ipynb'),
    Term('reparameterization trick', '重参数化技巧',
         'Write z = mu + sigma * eps with eps ~ N(0, I) so gradients flow through the sampling step.',
         '04_math/04_02_vae_math.ipynb'),
    Term('reconstruction', '重构',
         "The decoder's output for the encoder's code of an input; its error is one term of the ELBO.",
         '03_algorithms/03_02_vae_basics.ipynb'),
    Term('posterior collapse', '后验坍塌',
         'A VAE whose encoder ignores the input (KL near zero) because the decoder models the data alone.',
         '03_algorithms/03_02_vae_basics.ipynb'),
    Term('interpolation', '插值',
         'Generating along a path between two latent codes to see a smooth change between two outputs.',
         '06_applications/06_01_art.ipynb'),
    Term('autoregressive model', '自回归模型',
         'A model that factorises p(x) into the product of p(x_t | x_<t) and generates one element '
         'at a time.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('chain rule of probability', '概率链式法则',
         'p(x_1, ..., x_T) = product over t of p(x_t | x_1, ..., x_{t-1}), the basis of '
         'autoregressive models.',
         '02_concepts/02_01_generative_models.ipynb'),
    Term('MADE', '掩码自编码分布估计器',
         'Masked Autoencoder for Distribution Estimation: an autoencoder whose masks make it autoregressive.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('Transformer', 'Transformer 模型',
         "A network of self-attention and feed-forward blocks; the book's language model is a "
         'decoder-only one.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('causal mask', '因果掩码',
         'A mask that stops a position from attending to later positions, keeping the model autoregressive.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('embedding', '嵌入',
         'A learned vector for each token or input: a lookup table trained with the rest of the network.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('language model', '语言模型',
         'A probability model of text, usually p(next token | previous tokens).',
         '02_concepts/02_03_nlp.ipynb'),
    Term('token', '词元',
         'The unit a language model reads and predicts: a character, a byte or a subword.',
         '02_concepts/02_03_nlp.ipynb'),
    Term('tokenizer', '分词器',
         'The procedure that splits text into tokens and maps them to integer ids.',
         '02_concepts/02_03_nlp.ipynb'),
    Term('byte-pair encoding', '字节对编码',
         'A tokenizer that repeatedly merges the most frequent adjacent pair into a new token (BPE).',
         '02_concepts/02_03_nlp.ipynb'),
    Term('n-gram', 'N 元语法',
         'A model that predicts a token from the previous n - 1 tokens by counting.',
         '02_concepts/02_03_nlp.ipynb'),
    Term('perplexity', '困惑度',
         'exp of the mean negative log-likelihood per token: the effective number of choices the '
         'model hesitates between.',
         '02_concepts/02_03_nlp.ipynb'),
    Term('cross-entropy', '交叉熵',
         'The mean of -log q(x) under the data distribution; the usual training loss of classifiers '
         'and language models.',
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('entropy', '熵',
         "The mean information -log p(x) of a distribution's own samples: its irreducible uncertainty.",
         '02_concepts/02_03_nlp.ipynb'),
    Term('negative log-likelihood', '负对数似然',
         '-log p(x) under the model, the loss of maximum likelihood; lower is better, in nats or bits.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('maximum likelihood', '最大似然',
         'Choosing parameters that make the training data most probable under the model.',
         '02_concepts/02_01_generative_models.ipynb'),
    Term('nats', '奈特',
         'Units of information with the natural logarithm; divide by ln 2 for bits.',
         '04_math/04_03_arm_math.ipynb'),
    Term('bits per dimension', '每维比特数',
         'Negative log-likelihood in bits divided by the number of pixels or dimensions.',
         '05_practice/05_03_head_to_head.ipynb'),
    Term('temperature', '温度',
         'Dividing logits by T before softmax: T < 1 sharpens the distribution, T > 1 flattens it.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('top-k', 'Top-k 采样',
         'Sampling only from the k most probable next tokens.',
         '06_applications/06_02_content_generation.ipynb'),
    Term('top-p', 'Top-p（核）采样',
         'Sampling from the smallest set of tokens whose probability sums to at least p (nucleus sampling).',
         '06_applications/06_02_content_generation.ipynb'),
    Term('greedy decoding', '贪心解码',
         'Always choosing the most probable next token.',
         '06_applications/06_02_content_generation.ipynb'),
    Term('softmax', 'Softmax 函数',
         'exp(logit) normalised to sum to one: turns scores into a probability distribution.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('logit', '对数几率',
         'An unnormalised score that softmax or the sigmoid turns into a probability.',
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('backpropagation', '反向传播',
         "Computing every parameter's gradient by the chain rule from the output back to the input.",
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('gradient descent', '梯度下降',
         'Repeatedly moving the parameters a small step against the loss gradient.',
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('stochastic gradient descent', '随机梯度下降',
         'Gradient descent on the gradient of a random mini-batch instead of the whole data set.',
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('Adam', 'Adam 优化器',
         "An optimizer that scales each parameter's step by running averages of its gradient and "
         'squared gradient.',
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('learning rate', '学习率',
         'The size of each optimizer step.',
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('mini-batch', '小批量',
         'The small random subset of training examples used for one gradient step.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('overfitting', '过拟合',
         "Fitting the training data's accidents so that held-out performance gets worse.",
         '02_concepts/02_01_generative_models.ipynb'),
    Term('convolution', '卷积',
         'A layer that slides small learned filters over an image, sharing weights across positions.',
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('multilayer perceptron', '多层感知机',
         'A stack of fully connected layers with nonlinearities between them.',
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('Fréchet distance', 'Fréchet 距离',
         'The distance between Gaussians fitted to real and generated features; lower means closer '
         'distributions.',
         '05_practice/05_03_head_to_head.ipynb'),
    Term('precision and recall', '精确率与召回率',
         'For generators: the share of samples near real data, and the share of real data near samples.',
         '05_practice/05_03_head_to_head.ipynb'),
    Term('reference classifier', '参考分类器',
         "The book's fixed digit classifier that judges which class a generated image shows.",
         '05_practice/05_01_gan_tensorflow.ipynb'),
    Term('AUROC', 'ROC 曲线下面积',
         'The probability that a random positive scores higher than a random negative; 0.5 is chance.',
         '06_applications/06_03_science.ipynb'),
    Term('anomaly detection', '异常检测',
         'Flagging inputs unlike the training data, e.g. by a low likelihood.',
         '06_applications/06_03_science.ipynb'),
    Term('conditional generation', '条件生成',
         'Generating from p(x | c) for a requested condition c such as a class or a caption.',
         '06_applications/06_01_art.ipynb'),
    Term('data augmentation', '数据增强',
         'Adding transformed or generated copies of training examples to the training set.',
         '06_applications/06_03_science.ipynb'),
    Term('Gram matrix', '格拉姆矩阵',
         'The matrix of inner products between feature maps, a summary of texture that ignores position.',
         '06_applications/06_01_art.ipynb'),
    Term('scaling law', '缩放定律',
         'A power law L(N) = a N^(-alpha) + c relating held-out loss to model or data size.',
         '08_trends/08_01_scale.ipynb'),
    Term('multimodal', '多模态',
         'Handling several kinds of data together, such as images and text.',
         '08_trends/08_02_multimodal.ipynb'),
    Term('zero-shot', '零样本',
         'Solving a task without training examples for it, e.g. classifying by comparing with '
         'caption prompts.',
         '08_trends/08_02_multimodal.ipynb'),
    Term('fine-tuning', '微调',
         'Continuing to train a pretrained model on new data for a new task or user.',
         '08_trends/08_03_personalised.ipynb'),
    Term('memorisation', '记忆化',
         'A model reproducing training examples, a privacy risk measured by near copies and canary exposure.',
         '08_trends/08_04_ethics_safety.ipynb'),
    Term('bias', '偏见',
         'A systematic skew in data or model output, such as an under-represented class.',
         '08_trends/08_05_data_bias.ipynb'),
    Term('Markov chain Monte Carlo', '马尔可夫链蒙特卡罗',
         'Sampling a distribution by a random walk whose long-run distribution is the target.',
         '06_applications/06_03_science.ipynb'),
    Term('data parallelism', '数据并行',
         'Training copies of one model on different mini-batches and averaging their gradients.',
         '07_tools/07_04_beyond_one_machine.ipynb'),
    Term('Hugging Face', 'Hugging Face 平台',
         'The company and libraries (transformers, tokenizers, datasets) for sharing and running models.',
         '07_tools/07_03_hugging_face.ipynb'),
    Term('TensorFlow', 'TensorFlow 框架',
         "Google's deep-learning framework; the book's GAN is written in it with Keras.",
         '07_tools/07_01_tensorflow.ipynb'),
    Term('PyTorch', 'PyTorch 框架',
         "Meta's deep-learning framework; the book's VAE and Transformer are written in it.",
         '07_tools/07_02_pytorch.ipynb'),
    Term('Keras', 'Keras 接口',
         'The high-level model API of TensorFlow (and, since Keras 3, of other back ends).',
         '07_tools/07_01_tensorflow.ipynb'),
    Term("Bayes' rule", '贝叶斯定理',
         'p(y | x) = p(x | y) p(y) / p(x): turns a generative model into a classifier.',
         '01_background/01_02_rise_of_generative_ai.ipynb'),
    Term('naive Bayes', '朴素贝叶斯',
         'A generative classifier that treats the features as independent given the class.',
         '09_appendix/09_01_faq.ipynb'),
    Term('equilibrium', '均衡',
         'A point of the GAN game where neither player can lower its own loss by changing only its '
         'own parameters.',
         '03_algorithms/03_01_gan_basics.ipynb'),
    Term('Jensen–Shannon divergence', 'JS 散度',
         "A symmetric divergence between two distributions; the GAN's value at the optimal "
         'discriminator is a multiple of it minus a constant.',
         '04_math/04_01_gan_math.ipynb'),
    Term("Jensen's inequality", '詹森不等式',
         'f(E[x]) >= E[f(x)] for concave f; with f = log it gives the ELBO as a lower bound on log p(x).',
         '04_math/04_02_vae_math.ipynb'),
    Term('attention', '注意力机制',
         'Each position mixes the values of the positions it attends to, weighted by the softmax of '
         'query-key similarities.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('position embedding', '位置嵌入',
         "A learned vector added to each token's embedding that tells the model where the token is.",
         '07_tools/07_03_hugging_face.ipynb'),
    Term('activation', '激活函数',
         'The nonlinearity applied after a layer, such as ReLU, tanh or the sigmoid.',
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('dropout', '随机失活',
         'Zeroing random units during training so the network cannot rely on any one of them; a regulariser.',
         '03_algorithms/03_03_autoregressive.ipynb'),
    Term('texture synthesis', '纹理合成',
         'Generating new images whose local statistics (Gram matrices of features) match an example texture.',
         '06_applications/06_01_art.ipynb'),
    Term('contrastive', '对比学习',
         'Training embeddings so that matching pairs (an image and its caption) score higher than '
         'mismatched pairs.',
         '08_trends/08_02_multimodal.ipynb'),
    Term('diffusion', '扩散模型',
         'Generative models that learn to reverse a gradual noising process, step by step from '
         'noise to data.',
         '08_trends/08_02_multimodal.ipynb'),
    Term('Gaussian mixture', '高斯混合',
         "A distribution that is a weighted sum of Gaussians; the book's toy data with several modes.",
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('latent variable', '潜变量',
         'An unobserved variable z that the model uses to explain the data: p(x) = sum over z of '
         'p(z) p(x|z).',
         '02_concepts/02_01_generative_models.ipynb'),
    Term('vocabulary', '词表',
         'The set of tokens a tokenizer can produce and a language model predicts over.',
         '02_concepts/02_03_nlp.ipynb'),
    Term('epoch', '轮次（epoch）',
         'One pass of training over the whole training set.',
         '02_concepts/02_02_deep_learning.ipynb'),
    Term('prompt', '提示',
         'The text given to a generative model to start or steer what it produces.',
         '06_applications/06_02_content_generation.ipynb'),
    Term('FLOPs', '浮点运算次数',
         'Floating-point operations; training a Transformer of N parameters on D tokens costs about 6ND.',
         '08_trends/08_01_scale.ipynb'),
    Term('LoRA', '低秩适配',
         'Low-Rank Adaptation: train small low-rank updates to the weight matrices of a frozen model.',
         '08_trends/08_03_personalised.ipynb'),
    Term('forgetting', '遗忘',
         'Losing performance on earlier data after training on new data, measured on held-out general text.',
         '08_trends/08_03_personalised.ipynb'),
    Term('watermark', '水印',
         'A hidden statistical signal put into generated text at sampling time that a detector can test for.',
         '08_trends/08_04_ethics_safety.ipynb'),
    Term('canary', '金丝雀序列',
         'A random secret inserted into training data to measure how much a model memorises (its exposure).',
         '08_trends/08_04_ethics_safety.ipynb'),
    Term('privacy', '隐私',
         "Keeping personal training data from being revealed by a model's outputs.",
         '08_trends/08_04_ethics_safety.ipynb'),
    Term('bias amplification', '偏见放大',
         'A model whose outputs are more skewed than its training data, e.g. a minority class drawn '
         'even less often.',
         '08_trends/08_05_data_bias.ipynb'),
    Term('re-weighting', '重加权',
         'Giving examples of under-represented groups more weight in the loss to counter a skewed data set.',
         '08_trends/08_05_data_bias.ipynb'),
)


def section_link(term: Term, from_dir: str = "09_appendix") -> str:
    """Relative link from a notebook in ``chapters/<from_dir>/`` to the notebook that teaches ``term``."""
    target = PurePosixPath(term.notebook)
    return target.name if target.parent.name == from_dir else f"../{target}"


def section_label(term: Term) -> str:
    """The short label of the linked section: its file name without the extension, e.g. ``04_02_vae_math``."""
    return PurePosixPath(term.notebook).stem


def section_title(path: str | Path) -> str:
    """The English title of a notebook: its first line without '# ' and without the Chinese title.

    ``"# 4.2 The VAE's mathematical model · VAE的数学模型"`` -> ``"4.2 The VAE's mathematical model"``.
    """
    first = json.loads(Path(path).read_text(encoding="utf-8"))["cells"][0]["source"]
    line = ("".join(first) if isinstance(first, list) else first).splitlines()[0].lstrip("# ")
    return re.split(r" · | \(", line)[0].strip()


def sorted_terms(terms=TERMS) -> list[Term]:
    """Terms in alphabetical order of the English term (case-insensitive)."""
    return sorted(terms, key=lambda t: t.english.lower())


def markdown_table(terms=TERMS, from_dir: str = "09_appendix", titles: dict[str, str] | None = None) -> str:
    """The glossary as a markdown table: English | 中文 | definition | section (a link), alphabetical.

    ``titles`` maps a term's ``notebook`` to the link's text (default: the notebook's file stem).
    """
    titles = titles or {}
    rows = ["| English | 中文 | Definition | Section |", "|---|---|---|---|"]
    for t in sorted_terms(terms):
        definition = t.definition.replace("|", "\\|")
        rows.append(f"| **{t.english}** | {t.chinese} | {definition} | "
                    f"[{titles.get(t.notebook, section_label(t))}]({section_link(t, from_dir)}) |")
    return "\n".join(rows)
